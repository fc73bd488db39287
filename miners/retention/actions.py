"""Deleting a period's shares and signing the receipt; the refusal that a purged period gets afterwards."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from consortium.contract import keys
from consortium.contract.messages import deletion_message, deletion_time
from miners.store.models import PeriodPurge, Run, Share, Submission


def receipt(index: int, purge: PeriodPurge, signing_key=None) -> dict:
    """The purge's receipt; with `signing_key`, signed again with it (the same message: after a key rotation
    the portal verifies it with the key it pins now)."""
    deleted_at = deletion_time(purge.deleted_at)
    signature = (keys.sign(signing_key, deletion_message(index, purge.period, purge.submissions, deleted_at))
                 if signing_key is not None else purge.signature)
    return {"miner": index, "period": purge.period, "submissions": purge.submissions,
            "deleted_at": deleted_at, "signature": signature}


def do_purge(index: int, signing_key, period: int) -> PeriodPurge:
    """Delete every submission (and its shares) of `period`, and its runs' output shares, all or nothing,
    and record it with the signed receipt. A period already purged keeps its first record: the same
    receipt again."""
    found = PeriodPurge.objects.filter(period=period).first()
    if found is not None:
        return found
    deleted_at = timezone.now().replace(microsecond=0)
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        # Zero the deleted rows' bytes in the file, not only unlink them (per connection). Debian's SQLite is
        # built with this on by default; other builds are not.
        connection.cursor().execute("PRAGMA secure_delete = ON")
    try:
        with transaction.atomic():
            # QuerySet.delete, not Model.delete: the store refuses to delete one submission (its receipt
            # went out), and retention deletes all of the period's at once. Shares first: they PROTECT
            # their submission.
            Share.objects.filter(submission__period=period).delete()
            _total, by_model = Submission.objects.filter(period=period).delete()
            count = by_model.get(Submission._meta.label, 0)
            # The signed output shares of the period's runs go too: two miners' outputs together are every
            # value computed, also those the publication rules withheld. The run's record stays.
            # So do those of later periods' runs whose time series read this period's shares.
            reading = [run.pk for run in Run.objects.exclude(outputs=None).only("pk", "request")
                       if period in run_periods(run.request)]
            Run.objects.filter(pk__in=reading).update(outputs=None)
            message = deletion_message(index, period, count, deletion_time(deleted_at))
            signature = keys.sign(signing_key, message)
            # Two purges of one period at once: the unique period lets one record in; the other rolls back
            # (it deleted nothing the first had not) and answers the first one's receipt.
            purge = PeriodPurge.objects.create(period=period, deleted_at=deleted_at, submissions=count,
                                               signature=signature)
    except IntegrityError:
        return PeriodPurge.objects.get(period=period)
    if sqlite and not connection.in_atomic_block:
        # The write-ahead log still holds the pages as they were before: copy it into the database file
        # and empty it (best effort: a reader in the middle of a query makes it wait for the next purge).
        connection.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return purge


def refusal(periods) -> str:
    """Why shares or runs of `periods` can no longer be taken ("" when none of them was purged): a text
    for the caller, naming the period and the day."""
    purge = PeriodPurge.objects.filter(period__in=list(periods)).order_by("period").first()
    if purge is None:
        return ""
    return (f"The shares of period {purge.period} were deleted on {purge.deleted_at:%Y-%m-%d} (retention, "
            "after its report was published): they can no longer be submitted or analysed.")


def run_periods(request: dict) -> set[int]:
    """Every period whose shares a run request reads: its own and those of its time series."""
    found = {request["period"]}
    for analysis in request.get("analyses", []):
        if analysis.get("kind") == "time_series":
            found.update(analysis.get("periods", []))
    return found
