"""Receipts: only three valid, matching, distinct miners' signatures complete a submission."""

import base64
import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.test import override_settings
from django.utils import formats, translation

from consortium.portal.accounts.models import AuditEvent
from consortium.portal.periods.actions import do_close_period
from consortium.portal.submissions import actions
from consortium.portal.submissions.models import Receipt, Submission
from tests.portal.factories import miners_setting

RECEIPTS = "/submissions/receipts/"
DIGEST = "ab" * 32
KEYS = [Ed25519PrivateKey.generate() for _ in range(3)]


def public_b64(key):
    return base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


MINERS = miners_setting(secrets=[f"secret-{i}-" + "q" * 40 for i in range(3)],
                        public_keys=[public_b64(k) for k in KEYS])


@pytest.fixture(autouse=True)
def miners(settings):
    settings.MINERS = MINERS


@pytest.fixture
def attempt(issued):
    _token, access, submission = issued
    return access, submission


def receipt(miner, submission, *, period=None, key=None, submission_id=None, digest=DIGEST):
    """A receipt as in docs/api.md section 2, signed with `key` (the miner's own by default)."""
    period_id = submission.period_id if period is None else period
    sid = str(submission.submission_id if submission_id is None else submission_id)
    message = f"consortium-mpc receipt v1\n{miner}\n{period_id}\n{sid}\n{digest}\n".encode()
    signature = (key or KEYS[miner]).sign(message)
    return {"miner": miner, "period": period_id, "submission_id": sid, "digest": digest,
            "signature": base64.b64encode(signature).decode()}


def post(client, access, receipts):
    return client.post(RECEIPTS, json.dumps({"form": str(access.form_id), "receipts": receipts}),
                       content_type="application/json")


def assert_failed(response, submission, reason_part):
    assert response.status_code == 400
    assert response.json()["complete"] is False
    submission.refresh_from_db()
    assert submission.state == Submission.State.FAILED
    assert reason_part in submission.failure_reason
    assert submission.token.consumed_at is None and submission.completed_at is None
    assert not Receipt.objects.filter(submission=submission).exists()
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.SUBMISSION_FAILED).count() == 1
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.SUBMISSION_COMPLETE).exists()


def test_three_valid_receipts_complete_the_submission_and_consume_the_token(client_for, rep_a, attempt):
    access, submission = attempt
    response = post(client_for(rep_a), access, [receipt(i, submission) for i in (2, 0, 1)])
    assert response.status_code == 200
    body = response.json()
    assert body["complete"] is True
    submission.refresh_from_db()
    access.refresh_from_db()
    assert submission.state == Submission.State.COMPLETE
    assert body["submitted_at"] == submission.completed_at.isoformat()
    assert access.consumed_at is not None
    assert sorted(submission.receipts.values_list("miner", flat=True)) == [0, 1, 2]
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.SUBMISSION_COMPLETE)
    assert event.detail["submission"] == str(submission.submission_id) and event.actor == rep_a


def test_a_forged_signature_never_completes(client_for, rep_a, attempt):
    access, submission = attempt
    forged = receipt(1, submission, key=Ed25519PrivateKey.generate())
    response = post(client_for(rep_a), access, [receipt(0, submission), forged, receipt(2, submission)])
    assert_failed(response, submission, "bad_signature:1")
    assert "Miner 2" in response.json()["reason"]  # people count miners from 1


def test_a_receipt_signed_by_another_miner_never_completes(client_for, rep_a, attempt):
    access, submission = attempt
    swapped = receipt(2, submission, key=KEYS[0])
    response = post(client_for(rep_a), access, [receipt(0, submission), receipt(1, submission), swapped])
    assert_failed(response, submission, "bad_signature:2")


def test_a_signature_over_another_digest_never_completes(client_for, rep_a, attempt):
    access, submission = attempt
    altered = receipt(0, submission)
    altered["digest"] = "cd" * 32
    response = post(client_for(rep_a), access, [altered, receipt(1, submission), receipt(2, submission)])
    assert_failed(response, submission, "bad_signature:0")


def test_a_missing_receipt_never_completes(client_for, rep_a, attempt):
    access, submission = attempt
    response = post(client_for(rep_a), access, [receipt(0, submission), receipt(2, submission)])
    assert_failed(response, submission, "missing:1")


def test_no_receipts_at_all_never_complete(client_for, rep_a, attempt):
    access, submission = attempt
    assert_failed(post(client_for(rep_a), access, []), submission, "missing:0,missing:1,missing:2")


def test_a_duplicated_miner_never_completes(client_for, rep_a, attempt):
    access, submission = attempt
    receipts = [receipt(i, submission) for i in (0, 1, 1, 2)]
    assert_failed(post(client_for(rep_a), access, receipts), submission, "duplicate:1")


def test_a_receipt_for_another_submission_never_completes(client_for, rep_a, open_period, attempt):
    access, submission = attempt
    _t, _a, other = actions.do_issue_token(rep_a, open_period)
    receipts = [receipt(0, submission), receipt(1, submission), receipt(2, other)]
    assert_failed(post(client_for(rep_a), access, receipts), submission, "wrong_submission:2")


def test_a_receipt_for_another_period_never_completes(client_for, rep_a, attempt):
    access, submission = attempt
    receipts = [receipt(0, submission, period=submission.period_id + 1), receipt(1, submission),
                receipt(2, submission)]
    assert_failed(post(client_for(rep_a), access, receipts), submission, "wrong_period:0")


def test_a_malformed_receipt_never_completes(client_for, rep_a, attempt):
    access, submission = attempt
    broken = {**receipt(0, submission), "signature": "not base64!"}
    receipts = [broken, receipt(1, submission), receipt(2, submission)]
    assert_failed(post(client_for(rep_a), access, receipts), submission, "malformed")


def test_an_unconfigured_miner_key_never_completes(client_for, rep_a, attempt):
    access, submission = attempt
    miners = [dict(m) for m in MINERS]
    miners[2]["public_key"] = ""
    with override_settings(MINERS=miners):
        response = post(client_for(rep_a), access, [receipt(i, submission) for i in range(3)])
    assert_failed(response, submission, "no_key:2")


def test_receipts_after_the_period_closed_never_complete(client_for, rep_a, open_period, attempt):
    access, submission = attempt
    do_close_period(open_period, None)
    response = post(client_for(rep_a), access, [receipt(i, submission) for i in range(3)])
    assert_failed(response, submission, "period_closed")


def test_a_failed_attempt_stays_failed(client_for, rep_a, attempt):
    access, submission = attempt
    client = client_for(rep_a)
    post(client, access, [receipt(0, submission)])
    response = post(client, access, [receipt(i, submission) for i in range(3)])
    assert response.status_code == 400
    submission.refresh_from_db()
    assert submission.state == Submission.State.FAILED and submission.token.consumed_at is None


def test_a_complete_submission_is_not_undone_by_later_receipts(client_for, rep_a, attempt):
    access, submission = attempt
    client = client_for(rep_a)
    assert post(client, access, [receipt(i, submission) for i in range(3)]).status_code == 200
    response = post(client, access, [receipt(0, submission, key=Ed25519PrivateKey.generate())])
    assert response.status_code == 200 and response.json()["complete"] is True
    submission.refresh_from_db()
    assert submission.state == Submission.State.COMPLETE


def test_another_persons_form_is_not_found(client_for, rep_b, attempt):
    access, submission = attempt
    response = post(client_for(rep_b), access, [receipt(i, submission) for i in range(3)])
    assert response.status_code == 404
    submission.refresh_from_db()
    assert submission.state == Submission.State.PENDING


def test_it_bounds_the_request(client_for, rep_a, attempt):
    access, submission = attempt
    client = client_for(rep_a)
    too_many = [receipt(i % 3, submission) for i in range(7)]
    assert post(client, access, too_many).status_code == 400
    bad_form = client.post(RECEIPTS, {"form": "nope", "receipts": []}, content_type="application/json")
    assert bad_form.status_code == 400
    submission.refresh_from_db()
    assert submission.state == Submission.State.PENDING


@pytest.mark.parametrize("language", ["en", "et"])
def test_the_answer_gives_the_time_as_the_portals_pages_show_it(client_for, rep_a, attempt, settings,
                                                                language):
    # The form page showed the browser's own locale and zone ("12/4/2026, 9:56:59 PM") beside the
    # portal's "5 December 2026, 01:56" (Europe/Tallinn): the portal now formats the time it returns.
    settings.TIME_ZONE = "Europe/Tallinn"
    rep_a.language = language
    rep_a.save(update_fields=["language"])
    access, submission = attempt
    body = post(client_for(rep_a), access, [receipt(i, submission) for i in range(3)]).json()
    at = dt.datetime.fromisoformat(body["submitted_at"]).astimezone(ZoneInfo("Europe/Tallinn"))
    with translation.override(language):
        expected = formats.date_format(at, "DATETIME_FORMAT")
    assert body["submitted_at_display"] == expected
    assert at.strftime("%H:%M") in expected and str(at.year) in expected
