"""The portal's `GET /metrics`: behind its bearer token, reachable without a session; token checks counted
by miner and answer, submissions by outcome and failure kind, analysis runs by state from the database,
HTTP answers by URL pattern; and no label carries a token, a company or a user name."""

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.test import Client, override_settings

from consortium.portal.runs.models import AnalysisRun
from consortium.portal.submissions import actions
from tests.metrics_scrape import TOKEN, scrape, value
from tests.portal.factories import miners_setting

SECRETS = [f"secret-{i}-" + "m" * 40 for i in range(3)]
KEYS = [Ed25519PrivateKey.generate() for _ in range(3)]
VERIFY = "/api/miner/tokens/verify"


@pytest.fixture(autouse=True)
def configured(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.MINERS = miners_setting(secrets=SECRETS, public_keys=[
        base64.b64encode(k.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode() for k in KEYS])


def receipt(miner, submission, key=None):
    digest = "cd" * 32
    message = (f"consortium-mpc receipt v1\n{miner}\n{submission.period_id}\n{submission.submission_id}\n"
               f"{digest}\n").encode()
    return {"miner": miner, "period": submission.period_id, "submission_id": str(submission.submission_id),
            "digest": digest, "signature": base64.b64encode((key or KEYS[miner]).sign(message)).decode()}


def test_the_endpoint_answers_the_token_only_and_needs_no_session(db):
    client = Client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer " + TOKEN[::-1]).status_code == 401
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200 and "consortium_portal_runs" in response.content.decode()
    with override_settings(METRICS_TOKEN=None):
        assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404


def test_token_checks_count_by_miner_and_answer(issued):
    token, access, _submission = issued
    client = Client()
    name = "consortium_portal_token_verifications_total"
    before = scrape(client)
    body = {"token": token, "period": access.period_id, "form": str(access.form_id)}
    for miner, expected in ((1, "valid"), (1, "used")):
        response = client.post(VERIFY, body, content_type="application/json",
                               HTTP_AUTHORIZATION=f"Miner {miner} {SECRETS[miner]}")
        assert response.json().get("reason", "valid") == expected
    client.post(VERIFY, {**body, "token": "x" * 43}, content_type="application/json",
                HTTP_AUTHORIZATION=f"Miner 2 {SECRETS[2]}")
    after = scrape(client)
    for miner, answer in (("1", "valid"), ("1", "used"), ("2", "unknown")):
        assert value(after, name, miner=miner, answer=answer) == value(before, name, miner=miner,
                                                                       answer=answer) + 1
    assert token not in str(after)


def test_submissions_count_as_complete_or_failed_by_kind(issued, rep_a, open_period,
                                                        django_capture_on_commit_callbacks):
    """Counted when the transaction commits (a rolled-back completion never happened)."""
    _token, access, submission = issued
    client = Client()
    before = scrape(client)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_accept_receipts(rep_a, access.form_id, [receipt(i, submission) for i in range(3)])
    middle = scrape(client)
    assert value(middle, "consortium_portal_submissions_total", outcome="complete") == value(
        before, "consortium_portal_submissions_total", outcome="complete") + 1

    _t, access2, second = actions.do_issue_token(rep_a, open_period)
    forged = receipt(1, second, key=Ed25519PrivateKey.generate())
    with django_capture_on_commit_callbacks(execute=True):  # and no receipt of miner 2
        actions.do_accept_receipts(rep_a, access2.form_id, [receipt(0, second), forged])
    after = scrape(client)
    assert value(after, "consortium_portal_submissions_total", outcome="failed") == value(
        middle, "consortium_portal_submissions_total", outcome="failed") + 1
    for kind in ("bad_signature", "missing"):
        assert value(after, "consortium_portal_submission_failures_total", kind=kind) == value(
            middle, "consortium_portal_submission_failures_total", kind=kind) + 1
    names = {rep_a.username, rep_a.company.name, str(submission.submission_id)}
    assert not any(n in str(after) for n in names)


def test_runs_by_state_are_read_from_the_database(open_period, staff_user):
    client = Client()
    before = scrape(client)
    for state in ("running", "failed", "failed"):
        AnalysisRun.objects.create(period=open_period, started_by=staff_user, state=state)
    after = scrape(client)
    for state, more in {"starting": 0, "running": 1, "done": 0, "failed": 2}.items():
        assert value(after, "consortium_portal_runs", state=state) == value(
            before, "consortium_portal_runs", state=state) + more


def test_http_answers_count_by_url_pattern_not_by_path(db):
    client = Client()
    name = "consortium_http_requests_total"
    before = scrape(client)
    client.get("/healthz")
    client.get("/no/such/page/abc123")
    after = scrape(client)
    assert value(after, name, method="GET", route="healthz", status="200") == value(
        before, name, method="GET", route="healthz", status="200") + 1
    assert not any("abc123" in str(labels) for _n, labels in after)
    assert value(after, name, method="GET", route="unmatched", status="404") >= 1
