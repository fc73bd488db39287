"""The miners' token check compares the miner's secret and the token's hash with hmac.compare_digest,
seen through the real endpoint (a spy on it): a plain == stops at the first differing byte and tells a
caller, by its time, how much of a guess was right. (tests/project/test_secrets_compared_in_constant_time.py
reads the whole source for == on secrets; this holds the two comparisons a miner's request reaches.)"""

import hmac

from django.test import Client

from consortium.contract import tokens
from tests.portal.factories import miners_setting

SECRETS = ["s0-" + "x" * 40, "s1-" + "y" * 40, "s2-" + "z" * 40]


def test_the_secret_and_the_tokens_hash_are_compared_with_compare_digest(issued, settings, monkeypatch):
    token, access, _submission = issued
    settings.MINERS = miners_setting(urls=False, secrets=SECRETS)
    calls, real = [], hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    body = {"token": token, "period": access.period_id, "form": str(access.form_id)}
    answer = Client().post("/api/miner/tokens/verify", body, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Miner 1 {SECRETS[1]}")
    assert answer.json()["valid"] is True
    assert (SECRETS[1].encode(), SECRETS[1].encode()) in calls
    assert (tokens.hash_token(token), tokens.hash_token(token)) in calls
