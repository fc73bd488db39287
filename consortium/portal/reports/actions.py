"""Every write to reports goes through here; each function is one transaction."""

from django.db import transaction
from django.utils import timezone

from consortium.portal.accounts import audit
from consortium.portal.accounts.models import AuditEvent
from consortium.portal.runs.models import AnalysisRun

from .models import Report


class ReportError(Exception):
    """An action refused; the message is safe to show (no figures)."""


@transaction.atomic
def do_create_report(run: AnalysisRun) -> Report:
    """The draft report of a finished run. Idempotent: a second call returns the same report."""
    if run.state != AnalysisRun.State.DONE or run.results is None:
        raise ReportError("the analysis run has not finished")
    # get_or_create on the one-to-one run: two callers racing both end with the one row
    # (the loser's INSERT fails on the unique constraint and it reads the winner's).
    report, _ = Report.objects.get_or_create(run=run, defaults={"period": run.period})
    return report


def draft_report_of_finished_run(sender, run: AnalysisRun, **kwargs) -> None:
    """Receiver of runs' `run_finished`: every finished run gets its draft report."""
    do_create_report(run)


@transaction.atomic
def do_update_notes(report: Report, board_user, text: str) -> Report:
    if not board_user.is_board:
        raise ReportError("only board members edit the notes")
    # Lock the row: a publish racing a notes edit must not publish notes other than the ones shown.
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.is_published:
        raise ReportError("a published report's notes can no longer change")
    report.notes = text.strip()
    report.save(update_fields=["notes"])
    return report


@transaction.atomic
def do_publish(report: Report, board_user, request=None) -> Report:
    if not board_user.is_board:
        raise ReportError("only board members publish reports")
    # Lock the row: two board members pressing Publish at once publish (and audit) it once.
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.is_published:
        raise ReportError("the report is already published")
    now = timezone.now()
    # The period's current report (locked: two reports of one period published at once must not both
    # stay current; the loser waits here, then supersedes the winner's).
    previous = list(Report.objects.select_for_update()
                    .filter(period_id=report.period_id, state=Report.State.PUBLISHED, superseded_by=None))
    # The old one first: the database allows one current report per period at every moment.
    Report.objects.filter(pk__in=[p.pk for p in previous]).update(superseded_by=report, superseded_at=now)
    report.state = Report.State.PUBLISHED
    report.published_at = now
    report.published_by = board_user
    report.save(update_fields=["state", "published_at", "published_by"])
    audit.record(AuditEvent.Kind.REPORT_PUBLISHED, board_user, request,
                 report=report.pk, period=report.period_id, run=str(report.run.run_id))
    for old in previous:
        audit.record(AuditEvent.Kind.REPORT_SUPERSEDED, board_user, request,
                     report=old.pk, period=old.period_id, superseded_by=report.pk)
    return report


@transaction.atomic
def do_record_export(report: Report, user, request=None) -> None:
    audit.record(AuditEvent.Kind.EXPORT_DOWNLOADED, user, request,
                 report=report.pk, period=report.period_id, state=report.state)
