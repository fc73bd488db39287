"""The batch form of the miners' token check (docs/api.md section 1): `{"tokens": [...]}` answers
`{"results": [...]}`, each check decided as it would be alone, in order, in one transaction."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from consortium.portal.submissions import actions
from consortium.portal.submissions.actions import do_issue_token
from consortium.portal.submissions.models import AccessToken
from consortium.portal.submissions.serializers import MAX_TOKEN_CHECKS
from tests.portal import factories
from tests.portal.factories import miners_setting

SECRETS = ["secret-of-miner-0-" + "a" * 30, "secret-of-miner-1-" + "b" * 30, "secret-of-miner-2-" + "c" * 30]
VERIFY = "/api/miner/tokens/verify"


@pytest.fixture(autouse=True)
def miners(settings):
    settings.MINERS = miners_setting(secrets=SECRETS)


def post(miner, body, secret=None):
    return Client().post(VERIFY, body, content_type="application/json",
                         HTTP_AUTHORIZATION=f"Miner {miner} {secret or SECRETS[miner]}")


def check(token, access, period=None):
    return {"token": token, "period": period or access.period_id, "form": str(access.form_id)}


def issue(user, period, count):
    return [do_issue_token(user, period)[:2] for _ in range(count)]


def used_by(miner, accesses):
    return [AccessToken.objects.get(pk=a.pk).used_by(miner) for _t, a in accesses]


def test_each_check_gets_its_own_answer_in_order(rep_a, open_period):
    tokens = issue(rep_a, open_period, 3)
    answer = post(0, {"tokens": [check(t, a) for t, a in tokens]})
    assert answer.status_code == 200
    results = answer.json()["results"]
    fields = list(open_period.indicators.order_by("position", "pk").values_list("code", flat=True))
    assert results == [{"valid": True, "submission_id": str(a.submission.submission_id),
                        "period": open_period.pk, "ring": open_period.ring_bits, "fields": fields}
                       for _t, a in tokens]
    assert used_by(0, tokens) == [True] * 3 and used_by(1, tokens) == [False] * 3


def test_the_single_form_is_answered_as_before(issued, open_period):
    token, access, _s = issued
    answer = post(0, check(token, access)).json()
    assert answer["valid"] is True and "results" not in answer


def test_every_refusal_keeps_its_reason_beside_valid_checks(rep_a, open_period, travel):
    (fresh, a1), (used, a2), (expiring, a3), (other_form, a4), (valid, a5) = issue(rep_a, open_period, 5)
    assert post(0, check(used, a2)).json()["valid"] is True
    AccessToken.objects.filter(pk=a3.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    checks = [check(fresh, a1, period=open_period.pk + 1), check(used, a2), check(expiring, a3),
              {**check(other_form, a4), "form": str(a5.form_id)}, check("u" * 43, a1), check(valid, a5)]
    reasons = [r.get("reason", "valid") for r in post(0, {"tokens": checks}).json()["results"]]
    assert reasons == ["wrong_period", "used", "expired", "wrong_form", "unknown", "valid"]
    assert used_by(0, [(fresh, a1), (expiring, a3), (other_form, a4)]) == [False] * 3


def test_a_token_twice_in_one_batch_is_valid_once(issued):
    token, access, _s = issued
    results = post(0, {"tokens": [check(token, access), check(token, access)]}).json()["results"]
    assert [r["valid"] for r in results] == [True, False] and results[1]["reason"] == "used"


def test_a_batch_replayed_is_refused_for_the_same_miner_only(rep_a, open_period):
    tokens = issue(rep_a, open_period, 2)
    body = {"tokens": [check(t, a) for t, a in tokens]}
    assert [r["valid"] for r in post(0, body).json()["results"]] == [True, True]
    assert [r.get("reason") for r in post(0, body).json()["results"]] == ["used", "used"]
    assert [r["valid"] for r in post(2, body).json()["results"]] == [True, True]


def test_a_batch_names_each_tokens_own_period(rep_a, open_period):
    other = factories.open_period(name="2026", kind="annual")
    (t1, a1), (t2, a2) = issue(rep_a, open_period, 1) + issue(rep_a, other, 1)
    r1, r2 = post(0, {"tokens": [check(t1, a1), check(t2, a2)]}).json()["results"]
    assert (r1["period"], r2["period"]) == (open_period.pk, other.pk)
    assert r1["fields"] != r2["fields"]


@pytest.mark.parametrize("body", [
    {"tokens": []},
    {"tokens": "abc"},
    {"tokens": [{"token": "x", "period": 1, "form": "y"}]},
    {"tokens": [{"token": "t" * 43, "period": 1}]},
])
def test_a_malformed_batch_is_a_400_and_uses_no_token(issued, body):
    token, access, _s = issued
    bodies = [body]
    if isinstance(body["tokens"], list) and body["tokens"]:
        bodies.append({"tokens": [check(token, access), *body["tokens"]]})  # a valid check beside a bad one
    for sent in bodies:
        assert post(0, sent).status_code == 400
    assert used_by(0, [(token, access)]) == [False]


def test_a_batch_has_at_most_the_declared_number_of_checks(issued):
    token, access, _s = issued
    assert post(0, {"tokens": [check(token, access)] * (MAX_TOKEN_CHECKS + 1)}).status_code == 400
    assert used_by(0, [(token, access)]) == [False]


def test_a_batch_needs_the_miners_credentials(issued):
    token, access, _s = issued
    assert post(0, {"tokens": [check(token, access)]}, secret=SECRETS[1]).status_code == 401
    assert used_by(0, [(token, access)]) == [False]


def test_a_claim_lost_to_another_transaction_is_decided_again_alone(rep_a, open_period, monkeypatch):
    """Where row locks are no-ops, another transaction may claim a token between the batch's read and its
    UPDATE: the batch is rolled back and each check decided alone, so that token is "used" and the others
    are still valid (never all refused, never one claimed twice)."""
    (t1, a1), (t2, a2), (t3, a3) = issue(rep_a, open_period, 3)
    real_refusal, batches = actions._refusal, []
    real_batch = actions._verify_batch

    def refusal_then_a_rival_claims(access, period_id, form_id):
        reason = real_refusal(access, period_id, form_id)
        if access.pk == a2.pk:  # each time t2 is read unused, the rival claims it before the UPDATE
            AccessToken.objects.filter(pk=a2.pk).update(used_by_miner_0=True)
        return reason

    def counted(miner, checks):
        batches.append(len(checks))
        return real_batch(miner, checks)

    monkeypatch.setattr(actions, "_verify_batch", counted)
    monkeypatch.setattr(actions, "_refusal", refusal_then_a_rival_claims)
    results = post(0, {"tokens": [check(t, a) for t, a in ((t1, a1), (t2, a2), (t3, a3))]}).json()["results"]
    assert [r.get("reason", "valid") for r in results] == ["valid", "used", "valid"]
    assert batches == [3, 1, 1, 1]
    assert used_by(0, [(t1, a1), (t2, a2), (t3, a3)]) == [True] * 3
