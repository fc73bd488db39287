"""The retention task: SHARE_RETENTION_DAYS after a period's report was published (time moved, not slept),
the three miners delete its shares; each receipt is verified, kept and audited; a miner that cannot be
reached or whose receipt does not verify is never marked deleted, and is asked again next time."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from consortium.contract.messages import deletion_message
from consortium.portal.accounts.models import AuditEvent
from consortium.portal.minerlink.keys import miner_signed
from consortium.portal.periods.models import CollectionPeriod
from consortium.portal.retention import receipts
from consortium.portal.retention.actions import RetentionError, do_request_deletion, purge_due
from consortium.portal.retention.models import MinerDeletion
from consortium.portal.runs import plan
from consortium.portal.runs.actions import RunError
from consortium.portal.runs.models import AnalysisRun
from consortium.portal.runs.tasks import start_run

from .conftest import published_period

pytestmark = pytest.mark.django_db
DAY = 24 * 3600


def states(period) -> list[str]:
    return list(MinerDeletion.objects.filter(period=period).order_by("miner").values_list("state", flat=True))


def test_nothing_is_deleted_before_the_retention_period_is_over(miners, period, travel):
    travel(29 * DAY + 23 * 3600)
    assert purge_due() == {"requested": [], "unconfirmed": []}
    assert miners.calls == [] and not MinerDeletion.objects.exists()
    period.refresh_from_db()
    assert period.shares_deletion_requested_at is None


def test_thirty_days_after_publication_every_miner_deletes_and_its_receipt_is_kept(miners, period, travel):
    travel(30 * DAY + 1)
    assert purge_due() == {"requested": [period.pk], "unconfirmed": []}
    assert sorted(miners.calls) == [(0, period.pk), (1, period.pk), (2, period.pk)]
    assert states(period) == ["deleted"] * 3
    for d in MinerDeletion.objects.filter(period=period):
        assert d.receipt == miners.receipts[d.miner][period.pk] and d.submissions == 5
        message = deletion_message(d.miner, period.pk, 5, d.receipt["deleted_at"])
        assert miner_signed(d.miner, message, d.receipt["signature"])
        assert d.deleted_at.strftime("%Y-%m-%dT%H:%M:%SZ") == d.receipt["deleted_at"]
    events = AuditEvent.objects.filter(kind=AuditEvent.Kind.SHARES_DELETED).order_by("detail__miner")
    assert [(e.detail["miner"], e.detail["submissions"], e.detail["signature"]) for e in events] == [
        (i + 1, 5, miners.receipts[i][period.pk]["signature"]) for i in range(3)]
    requested = AuditEvent.objects.get(kind=AuditEvent.Kind.SHARES_DELETION_REQUESTED)
    assert requested.actor is None and requested.detail == {"period": period.pk, "name": period.name,
                                                            "reason": "retention"}
    # done: the next run asks nobody
    assert purge_due() == {"requested": [], "unconfirmed": []} and len(miners.calls) == 3


def test_the_setting_names_the_days(miners, period, travel, settings):
    settings.SHARE_RETENTION_DAYS = 7
    travel(6 * DAY)
    assert purge_due()["requested"] == []
    travel(DAY)
    assert purge_due()["requested"] == [period.pk]


def test_a_period_without_a_published_report_is_kept(miners, travel, board_user):
    draft = published_period(board_user, "2024 H1")
    draft.reports.update(state="draft", published_at=None)
    travel(400 * DAY)
    assert purge_due()["requested"] == [] and miners.calls == []


def test_a_miner_that_cannot_be_reached_is_recorded_and_asked_again(miners, period, travel):
    miners.down.add(1)
    travel(31 * DAY)
    assert purge_due() == {"requested": [period.pk], "unconfirmed": [period.pk]}
    assert states(period) == ["deleted", "failed", "deleted"]
    failed = MinerDeletion.objects.get(period=period, miner=1)
    assert (failed.error, failed.attempts) == ("connection refused", 1)
    assert failed.receipt is None and failed.deleted_at is None
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.SHARES_DELETED).count() == 2
    with pytest.raises(CommandError, match=f"period\\(s\\) {period.pk}"):
        call_command("purge_expired_shares")  # cron's way: exit status 1 while a miner has not confirmed
    assert MinerDeletion.objects.get(period=period, miner=1).attempts == 2
    miners.down.clear()
    travel(3600)
    assert purge_due() == {"requested": [], "unconfirmed": []}
    assert states(period) == ["deleted"] * 3
    assert [c for c in miners.calls if c[0] != 1] == [(0, period.pk), (2, period.pk)]  # the others: once


@pytest.mark.parametrize(("fault", "reason"), [("forging", receipts.BAD_SIGNATURE),
                                              ("lying", receipts.BAD_SIGNATURE)])
def test_a_receipt_whose_signature_does_not_verify_is_not_a_deletion(miners, period, travel, fault, reason):
    getattr(miners, fault).add(2)
    travel(31 * DAY)
    purge_due()
    assert states(period) == ["deleted", "deleted", "failed"]
    bad = MinerDeletion.objects.get(period=period, miner=2)
    assert bad.error == reason and bad.receipt is None and bad.submissions is None
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.SHARES_DELETED, detail__miner=3).exists()
    getattr(miners, fault).clear()
    miners.forget(2, period.pk)
    purge_due()
    assert states(period) == ["deleted"] * 3


@pytest.mark.parametrize(("answer", "reason"), [
    ("not a receipt", receipts.NOT_AS_DOCUMENTED),
    ({"miner": 0, "period": 1, "submissions": 5, "deleted_at": "2026-12-05T01:02:03Z"},
     receipts.NOT_AS_DOCUMENTED),
    ({"miner": 0, "period": 1, "submissions": "5", "deleted_at": "2026-12-05T01:02:03Z", "signature": "x"},
     receipts.NOT_AS_DOCUMENTED),
    ({"miner": 0, "period": 1, "submissions": 5, "deleted_at": "2026-12-05 01:02:03", "signature": "x"},
     receipts.NOT_AS_DOCUMENTED),
    ({"miner": 1, "period": 1, "submissions": 5, "deleted_at": "2026-12-05T01:02:03Z", "signature": "x"},
     receipts.OTHER_MINER_OR_PERIOD),
    ({"miner": 0, "period": 2, "submissions": 5, "deleted_at": "2026-12-05T01:02:03Z", "signature": "x"},
     receipts.OTHER_MINER_OR_PERIOD),
    ({"miner": 0, "period": 1, "submissions": 5, "deleted_at": "2026-12-05T01:02:03Z", "signature": "x"},
     receipts.BAD_SIGNATURE),
])
def test_an_answer_that_is_no_receipt_of_this_miner_and_period_is_refused(miners, answer, reason):
    with pytest.raises(receipts.ReceiptRejected, match=reason):
        receipts.verified(0, 1, answer)


def test_a_deleted_period_cannot_be_analysed_again_nor_be_part_of_a_time_series(miners, period, travel,
                                                                               staff_user, board_user):
    travel(31 * DAY)
    purge_due()
    with translation.override("en"), pytest.raises(
            RunError, match=f"The shares of “{period.name}” were deleted at the miners on "):
        start_run(CollectionPeriod.objects.get(pk=period.pk), staff_user)
    later = published_period(board_user, "2025 H2")
    later.ends_on = period.ends_on + datetime.timedelta(days=180)
    later.save()
    assert plan.series_periods(later) == [later]
    CollectionPeriod.objects.filter(pk=period.pk).update(shares_deletion_requested_at=None)
    assert plan.series_periods(later) == [period, later]  # without the deletion it is part of the series


def test_beat_runs_the_task_every_hour(miners, period, travel, settings):
    from consortium import celery_app
    from consortium.portal.retention import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["purge-expired-shares"]
    assert entry["schedule"] == 3600.0 and entry["task"] == tasks.purge_expired_shares.name
    assert entry["task"] in celery_app.tasks  # registered: beat's message finds a task
    travel(30 * DAY)
    assert tasks.purge_expired_shares.delay().get() == {"requested": [period.pk], "unconfirmed": []}


def test_a_period_an_analysis_in_progress_reads_is_kept_until_it_has_finished(miners, period, travel,
                                                                             board_user):
    later = published_period(board_user, "2025 H2")
    AnalysisRun.objects.create(period=later, state="running", request={
        "period": later.pk, "analyses": [{"kind": "time_series", "periods": [period.pk, later.pk]}]})
    travel(31 * DAY)
    assert purge_due()["requested"] == [] and miners.calls == []
    with pytest.raises(RetentionError, match="An analysis that reads the shares of “2025 H1” is in progress"):
        do_request_deletion(period)
    AnalysisRun.objects.filter(period=later).update(state="done")
    assert period.pk in purge_due()["requested"]
