"""GET /api/miner/hello (docs/api.md section 1): the portal answers a miner's doctor whether it accepts that
miner's credential: 200 with the index it proved, 401 for anything else, and nothing recorded."""

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client
from django.utils import timezone

from consortium.contract import keys
from consortium.portal.minerlink import actions
from consortium.portal.minerlink.models import MinerKey
from tests.portal.factories import miners_setting

SECRETS = ["s0-" + "x" * 40, "s1-" + "y" * 40, "s2-" + "z" * 40]
HELLO = "/api/miner/hello"


@pytest.fixture(autouse=True)
def miners(settings):
    settings.MINERS = miners_setting(urls=False, secrets=SECRETS)


def get(authorization=None, method="get"):
    extra = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    return getattr(Client(), method)(HELLO, **extra)


@pytest.mark.django_db
@pytest.mark.parametrize("i", [0, 1, 2])
def test_each_miner_is_greeted_by_its_own_index(i):
    response = get(f"Miner {i} {SECRETS[i]}")
    assert response.status_code == 200
    body = response.json()
    assert body["miner"] == i and set(body) == {"miner", "key_fingerprint", "pending_fingerprint", "time"}
    assert body["key_fingerprint"] is None  # no key configured nor approved for any miner here


@pytest.mark.django_db
def test_it_names_the_key_pinned_for_the_miner(settings):
    configured, approved = (keys.encode_public_key(Ed25519PrivateKey.generate()) for _ in range(2))
    settings.MINERS[1]["public_key"] = configured
    MinerKey.objects.create(index=2, public_key=approved, pinned_at=timezone.now())  # approved, or rotated
    assert get(f"Miner 1 {SECRETS[1]}").json()["key_fingerprint"] == keys.fingerprint(configured)
    assert get(f"Miner 2 {SECRETS[2]}").json()["key_fingerprint"] == keys.fingerprint(approved)
    assert get(f"Miner 0 {SECRETS[0]}").json()["key_fingerprint"] is None
    assert get(f"Miner 0 {SECRETS[0]}").json()["pending_fingerprint"] is None
    registered = keys.encode_public_key(Ed25519PrivateKey.generate())
    actions.register(0, "https://m0.example.org", registered)
    assert get(f"Miner 0 {SECRETS[0]}").json()["pending_fingerprint"] == keys.fingerprint(registered)
    assert get(f"Miner 1 {SECRETS[1]}").json()["pending_fingerprint"] is None  # only its own


@pytest.mark.django_db
@pytest.mark.parametrize("header", [None, f"Miner 0 {SECRETS[0]}x", f"Miner 1 {SECRETS[0]}",
                                    f"Miner 3 {SECRETS[0]}", f"Bearer {SECRETS[0]}", "Miner 0 "])
def test_anything_but_a_miners_own_secret_is_401(header):
    response = get(header)
    assert response.status_code == 401 and response["Content-Type"].startswith("application/json")
    assert SECRETS[0] not in response.content.decode()


@pytest.mark.django_db
def test_it_only_answers_get():
    assert get(f"Miner 0 {SECRETS[0]}", method="post").status_code == 405
