"""Every write of retention: request the deletion of a period's shares, record each miner's receipt or why
there is none. Each `do_*` is one transaction; the calls to the miners (`purge`) run outside any, in a
Celery task (in-process by default). A miner is marked `deleted` only with a receipt that verified."""

from __future__ import annotations

import datetime
import logging
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from consortium.contract import MINERS
from consortium.portal.accounts import audit
from consortium.portal.accounts.models import AuditEvent
from consortium.portal.minerlink import client as miner_client
from consortium.portal.minerlink import retention as miner_retention
from consortium.portal.periods.models import CollectionPeriod
from consortium.portal.reports.models import Report
from consortium.portal.runs.actions import ACTIVE_STATES
from consortium.portal.runs.models import AnalysisRun

from .models import MinerDeletion
from .receipts import ReceiptRejected, verified

logger = logging.getLogger(__name__)


class RetentionError(Exception):
    """The deletion cannot be requested now; str() is a message for staff."""


def check_may_delete(actor) -> None:
    if not getattr(actor, "is_consortium_staff", False):
        raise PermissionDenied


# --- When --------------------------------------------------------------------------------------


def published_at(period: CollectionPeriod) -> datetime.datetime | None:
    """When the period's current report was published (a report published again restarts the clock)."""
    published = Report.objects.filter(period=period, state=Report.State.PUBLISHED)
    return published.aggregate(at=Max("published_at"))["at"]


def due_after(published: datetime.datetime | None) -> datetime.datetime | None:
    """When the task deletes the shares of a period whose report was published at `published` (None: not
    published, kept)."""
    return published + datetime.timedelta(days=settings.SHARE_RETENTION_DAYS) if published else None


def due_periods() -> list[CollectionPeriod]:
    """Periods whose report was published SHARE_RETENTION_DAYS ago or more and whose deletion was not
    requested yet."""
    cutoff = timezone.now() - datetime.timedelta(days=settings.SHARE_RETENTION_DAYS)
    published = Max("reports__published_at", filter=Q(reports__state=Report.State.PUBLISHED))
    return list(CollectionPeriod.objects.filter(shares_deletion_requested_at=None)
                .annotate(last_published=published).filter(last_published__lte=cutoff).order_by("pk"))


def _runs_reading(period: CollectionPeriod) -> bool:
    """Whether an analysis in progress reads the period's shares (its own, or in a time series)."""
    for request in AnalysisRun.objects.filter(state__in=ACTIVE_STATES).values_list("request", flat=True):
        periods = {request.get("period")} | {p for a in request.get("analyses", [])
                                             if a.get("kind") == "time_series" for p in a.get("periods", [])}
        if period.pk in periods:
            return True
    return False


# --- Request --------------------------------------------------------------------------------------


@transaction.atomic
def do_request_deletion(period, actor=None, request=None) -> CollectionPeriod:
    """From now on the period cannot be analysed; each miner is to delete its shares (`purge`). `actor`
    None: the retention task. Audited as shares_deletion_requested."""
    # The period's row lock orders this with a run being started (runs.actions.do_create_run locks it too).
    current = CollectionPeriod.objects.select_for_update().get(pk=period.pk)
    if current.shares_deletion_requested_at is not None:
        raise RetentionError(_("The deletion of the shares of “%(name)s” was already requested.")
                             % {"name": current})
    if published_at(current) is None:
        raise RetentionError(_("“%(name)s” has no published report: its shares are kept until it has one.")
                             % {"name": current})
    if _runs_reading(current):
        raise RetentionError(_("An analysis that reads the shares of “%(name)s” is in progress: wait until "
                               "it has finished.") % {"name": current})
    current.shares_deletion_requested_at = timezone.now()
    current.save(update_fields=["shares_deletion_requested_at"])
    MinerDeletion.objects.bulk_create(MinerDeletion(period=current, miner=i, requested_by=actor
                                                    if getattr(actor, "is_authenticated", False) else None)
                                      for i in range(MINERS))
    audit.record(AuditEvent.Kind.SHARES_DELETION_REQUESTED, actor, request, period=current.pk,
                 name=current.name, reason="staff" if actor is not None else "retention")
    return current


# --- Ask the miners -------------------------------------------------------------------------------


def purge(period_pk: int) -> list[MinerDeletion]:
    """Ask every miner that has not confirmed the deletion (at once, outside any transaction), and record
    each answer: the verified receipt, or why there is none. Returns the period's three deletions."""
    deletions = MinerDeletion.objects.filter(period_id=period_pk)
    waiting = list(deletions.exclude(state=MinerDeletion.State.DELETED))

    def ask(deletion: MinerDeletion):
        """HTTP only: a pool thread never touches the database (its connection would never go back)."""
        try:
            return deletion, miner_retention.purge(deletion.miner, period_pk), ""
        except miner_client.MinerError as exc:
            return deletion, None, str(exc)

    def checked(deletion: MinerDeletion, answer, reason: str):
        """The receipt verified here, on this thread: the miner's key may be a pin in the database."""
        if answer is None:
            return deletion.pk, None, None, reason
        try:
            receipt, at = verified(deletion.miner, period_pk, answer)
        except ReceiptRejected as exc:
            return deletion.pk, None, None, str(exc)
        return deletion.pk, receipt, at, ""

    with ThreadPoolExecutor(max_workers=MINERS) as pool:
        answers = [checked(*asked) for asked in pool.map(ask, waiting)]
    for pk, receipt, at, reason in answers:
        if receipt is not None:
            do_record_receipt(pk, receipt, at)
        else:
            logger.warning("period %s: miner %s did not confirm the deletion of its shares (%s)",
                           period_pk, MinerDeletion.objects.get(pk=pk).miner, reason)
            do_record_failure(pk, reason)
    return list(MinerDeletion.objects.filter(period_id=period_pk))


@transaction.atomic
def do_record_receipt(deletion_pk: int, receipt: dict, deleted_at: datetime.datetime) -> MinerDeletion:
    """A verified receipt: the miner deleted the period's shares. Audited as shares_deleted."""
    deletion = MinerDeletion.objects.select_for_update().select_related("period").get(pk=deletion_pk)
    if deletion.state == MinerDeletion.State.DELETED:
        return deletion  # two task runs asked at once: the first receipt is the record
    deletion.state, deletion.error = MinerDeletion.State.DELETED, ""
    deletion.receipt, deletion.deleted_at, deletion.submissions = receipt, deleted_at, receipt["submissions"]
    deletion.attempts += 1
    deletion.last_attempt_at = timezone.now()
    deletion.save()
    audit.record(AuditEvent.Kind.SHARES_DELETED, None, None, period=deletion.period_id,
                 name=deletion.period.name, miner=deletion.number, submissions=receipt["submissions"],
                 deleted_at=receipt["deleted_at"], signature=receipt["signature"])
    return deletion


@transaction.atomic
def do_record_failure(deletion_pk: int, reason: str) -> MinerDeletion:
    """The miner could not be reached or its answer did not verify: not deleted, asked again later."""
    deletion = MinerDeletion.objects.select_for_update().get(pk=deletion_pk)
    if deletion.state == MinerDeletion.State.DELETED:
        return deletion
    deletion.state, deletion.error = MinerDeletion.State.FAILED, reason[:200]
    deletion.attempts += 1
    deletion.last_attempt_at = timezone.now()
    deletion.save(update_fields=["state", "error", "attempts", "last_attempt_at"])
    return deletion


# --- The periodic task -------------------------------------------------------------------------------


def purge_due() -> dict:
    """Request the deletion of every period due (SHARE_RETENTION_DAYS after its report), then ask the
    miners of every period with a deletion not yet confirmed: {"requested": [ids], "unconfirmed": [ids]}."""
    requested = []
    for period in due_periods():
        try:
            do_request_deletion(period)
        except RetentionError as exc:  # an analysis reads it right now: the next run of the task
            logger.info("period %s: deletion postponed (%s)", period.pk, exc)
            continue
        requested.append(period.pk)
    waiting = sorted(set(MinerDeletion.objects.exclude(state=MinerDeletion.State.DELETED)
                         .values_list("period_id", flat=True)))
    unconfirmed = [pk for pk in waiting
                   if any(d.state != MinerDeletion.State.DELETED for d in purge(pk))]
    return {"requested": requested, "unconfirmed": unconfirmed}
