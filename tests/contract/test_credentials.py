"""The Authorization headers between the portal and the miners are parsed strictly (docs/api.md,
"Authentication"): exactly the scheme, single ASCII spaces, one index digit, a visible-ASCII secret.
A no-break space once authenticated because the header was split with str.split()."""

import hmac

import pytest
from django.test import Client, override_settings

from consortium.contract import credentials
from tests.portal.factories import miners_setting

SECRETS = ("m0-" + "a" * 40, "m1-" + "b" * 40, "m2-" + "c" * 40)
GOOD = f"Miner 0 {SECRETS[0]}"


@pytest.mark.parametrize("header", [
    GOOD + "\u00a0",  # a no-break space after the secret
    GOOD.replace(" ", "\u00a0", 1),
    GOOD.replace(" ", "\t", 1),
    GOOD.replace(" ", "  ", 1),
    GOOD + "\n",
    GOOD.replace("Miner", "miner"),
    f"Miner 3 {SECRETS[0]}",
    f"Miner 00 {SECRETS[0]}",
    "Miner 0 ",
    "Miner 0",
    f"Miner 0 {SECRETS[0]} extra",
    f"Miner 0 {SECRETS[0][:-1]}é",
])
def test_a_malformed_miner_header_is_refused(header):
    with pytest.raises(credentials.BadCredentials):
        credentials.parse_miner(header)


def test_the_documented_miner_header_is_read():
    assert credentials.parse_miner(GOOD) == (0, SECRETS[0])
    assert credentials.parse_miner(credentials.miner_header(2, SECRETS[2])) == (2, SECRETS[2])


@pytest.mark.parametrize("header", ["Portal", "Portal ", "portal x", "Portal x\u00a0", "Portal a b",
                                    "Bearer x", "Portal\tx", "Portal  x", "Portal x\n", "Portal\u00a0x"])
def test_a_malformed_portal_header_is_refused(header):
    with pytest.raises(credentials.BadCredentials):
        credentials.parse_portal(header)


def test_the_documented_portal_header_is_read():
    assert credentials.parse_portal(credentials.portal_header(SECRETS[1])) == SECRETS[1]


def test_secrets_are_compared_in_constant_time(monkeypatch):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(credentials.hmac, "compare_digest", spy)
    assert credentials.secret_matches(SECRETS[0], SECRETS[0])
    assert not credentials.secret_matches(SECRETS[1], SECRETS[0])
    assert not credentials.secret_matches("", "")  # an unconfigured secret never matches
    assert len(calls) == 3


@pytest.mark.django_db
@override_settings(MINERS=miners_setting(secrets=SECRETS))
@pytest.mark.parametrize("header, status", [
    (GOOD, 400),  # authenticated; the empty body is then refused
    (f"Miner 2 {SECRETS[2]}", 400),
    (GOOD + "\u00a0", 401),
    (GOOD.replace(" ", "\u00a0", 1), 401),
    (GOOD.replace(" ", "\t", 1), 401),
    (GOOD.replace(" ", "  ", 1), 401),
    (GOOD + "\n", 401),
    (GOOD.replace("Miner", "miner"), 401),
    (f"Miner 3 {SECRETS[0]}", 401),
    (f"Miner 00 {SECRETS[0]}", 401),
    ("Miner 0 ", 401),  # an empty secret
    (f"Miner 1 {SECRETS[0]}", 401),  # miner 0's secret never authenticates miner 1
    (f"Miner 0 {SECRETS[0][:-1]}x", 401),
    ("", 401),
])
def test_the_portal_endpoint_refuses_every_malformed_miner_header(header, status):
    answer = Client().post("/api/miner/tokens/verify", data={}, content_type="application/json",
                           HTTP_AUTHORIZATION=header)
    assert answer.status_code == status
