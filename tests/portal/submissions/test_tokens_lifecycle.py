"""Access tokens: issued to a representative of an open period, checked by each miner once."""

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, override_settings
from django.utils import timezone

from consortium.portal.accounts.models import AuditEvent
from consortium.portal.periods.actions import do_close_period, do_create_period
from consortium.portal.submissions import actions
from consortium.portal.submissions.models import AccessToken, Submission
from tests.portal.factories import miners_setting

SECRETS = ["secret-of-miner-0-" + "a" * 30, "secret-of-miner-1-" + "b" * 30, "secret-of-miner-2-" + "c" * 30]
VERIFY = "/api/miner/tokens/verify"


@pytest.fixture(autouse=True)
def miners(settings):
    settings.MINERS = miners_setting(secrets=SECRETS)


def verify(miner, token, period_id, form_id):
    client = Client()
    return client.post(VERIFY, {"token": token, "period": period_id, "form": str(form_id)},
                       content_type="application/json",
                       HTTP_AUTHORIZATION=f"Miner {miner} {SECRETS[miner]}")


def test_it_issues_a_256_bit_token_stored_only_as_its_sha256(issued):
    token, access, submission = issued
    assert len(token) == 43
    assert access.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not AccessToken.objects.filter(token_hash=token).exists()
    assert submission.state == Submission.State.PENDING and submission.token == access


def test_it_binds_the_token_to_user_company_period_and_a_new_form(issued, rep_a, company_a, open_period):
    _token, access, _submission = issued
    assert (access.user, access.company, access.period) == (rep_a, company_a, open_period)
    _token2, access2, submission2 = actions.do_issue_token(rep_a, open_period)
    assert access2.form_id != access.form_id and submission2.submission_id != issued[2].submission_id


@override_settings(ACCESS_TOKEN_TTL_SECONDS=600)
def test_it_expires_after_the_configured_time(rep_a, open_period):
    _token, access, _s = actions.do_issue_token(rep_a, open_period)
    assert timedelta(seconds=590) < access.expires_at - timezone.now() <= timedelta(seconds=600)


def test_it_audits_the_issue_without_the_token(issued):
    token, access, _s = issued
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.TOKEN_ISSUED)
    assert event.detail["form"] == str(access.form_id)
    assert token not in str(event.detail) and access.token_hash not in str(event.detail)


def test_it_issues_only_to_a_representative_of_an_active_company(rep_a, company_a, staff_user, board_user,
                                                                  open_period):
    for user in (staff_user, board_user):
        with pytest.raises(PermissionDenied):
            actions.do_issue_token(user, open_period)
    company_a.active = False
    company_a.save()
    rep_a.refresh_from_db()
    with pytest.raises(PermissionDenied):
        actions.do_issue_token(rep_a, open_period)
    assert not AccessToken.objects.exists()


def test_it_issues_only_for_an_open_period(rep_a):
    draft = do_create_period("2026 draft", "annual", timezone.now().date(), timezone.now().date())
    with pytest.raises(actions.PeriodNotOpen):
        actions.do_issue_token(rep_a, draft)
    assert not AccessToken.objects.exists()


def test_it_verifies_a_fresh_token_and_names_the_submission_and_fields(issued, open_period):
    token, access, submission = issued
    response = verify(0, token, open_period.pk, access.form_id)
    assert response.status_code == 200
    body = response.json()
    assert body == {"valid": True, "submission_id": str(submission.submission_id), "period": open_period.pk,
                    "ring": open_period.ring_bits,
                    "fields": ["total_return", "employees", "export_share", "added_value"]}
    access.refresh_from_db()
    assert access.used_by_miner_0 and not access.used_by_miner_1


def test_replayed_token_is_refused_for_the_same_miner(issued, open_period):
    token, access, _s = issued
    assert verify(1, token, open_period.pk, access.form_id).json()["valid"] is True
    assert verify(1, token, open_period.pk, access.form_id).json() == {"valid": False, "reason": "used"}


def test_each_miner_may_use_the_token_once(issued, open_period):
    token, access, _s = issued
    assert [verify(i, token, open_period.pk, access.form_id).json()["valid"] for i in range(3)] == [True] * 3


def test_it_refuses_an_expired_token(issued, open_period):
    token, access, _s = issued
    AccessToken.objects.filter(pk=access.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert verify(0, token, open_period.pk, access.form_id).json() == {"valid": False, "reason": "expired"}


def test_it_refuses_the_wrong_period(issued, open_period):
    token, access, _s = issued
    answer = verify(0, token, open_period.pk + 1, access.form_id).json()
    assert answer == {"valid": False, "reason": "wrong_period"}
    access.refresh_from_db()
    assert not access.used_by_miner_0


def test_it_refuses_the_wrong_form(issued, rep_a, open_period):
    token, _access, _s = issued
    _t2, other, _s2 = actions.do_issue_token(rep_a, open_period)
    assert verify(0, token, open_period.pk, other.form_id).json() == {"valid": False, "reason": "wrong_form"}


def test_it_refuses_a_token_of_a_closed_period(issued, open_period):
    token, access, _s = issued
    do_close_period(open_period, None)
    answer = verify(0, token, open_period.pk, access.form_id).json()
    assert answer == {"valid": False, "reason": "period_closed"}


def test_it_refuses_an_unknown_token(issued, open_period):
    _token, access, _s = issued
    unknown = "A" * 43
    assert verify(0, unknown, open_period.pk, access.form_id).json() == {"valid": False, "reason": "unknown"}


def test_it_refuses_a_token_whose_attempt_has_ended(issued, open_period):
    token, access, submission = issued
    Submission.objects.filter(pk=submission.pk).update(state=Submission.State.FAILED)
    assert verify(2, token, open_period.pk, access.form_id).json() == {"valid": False, "reason": "used"}


def test_it_refuses_a_consumed_token(issued, open_period):
    token, access, _s = issued
    AccessToken.objects.filter(pk=access.pk).update(consumed_at=timezone.now())
    assert verify(2, token, open_period.pk, access.form_id).json() == {"valid": False, "reason": "used"}


def test_the_answer_never_echoes_the_token(issued, open_period):
    token, access, _s = issued
    for miner in (0, 0):
        assert token not in verify(miner, token, open_period.pk, access.form_id).content.decode()
