"""A period's retention as its status page shows it (read only)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings

from consortium.contract import MINERS
from consortium.portal.periods.models import CollectionPeriod

from .actions import due_after, published_at
from .models import MinerDeletion
from .receipts import for_people


@dataclass
class MinerRow:
    number: int  # Miner 1 to Miner 3
    state: str  # "kept" (not requested), "pending", "failed", "deleted"
    deleted_at: datetime.datetime | None = None
    submissions: int | None = None
    error: str = ""  # for people
    attempts: int = 0
    last_attempt_at: datetime.datetime | None = None


@dataclass
class RetentionStatus:
    days: int
    published_at: datetime.datetime | None
    due_at: datetime.datetime | None
    requested_at: datetime.datetime | None
    miners: list[MinerRow]

    @property
    def deleted_everywhere(self) -> bool:
        return all(m.state == MinerDeletion.State.DELETED for m in self.miners)

    @property
    def unconfirmed(self) -> bool:
        return self.requested_at is not None and not self.deleted_everywhere


def retention_status(period: CollectionPeriod) -> RetentionStatus:
    found = {d.miner: d for d in MinerDeletion.objects.filter(period=period)}
    rows = []
    for i in range(MINERS):
        d = found.get(i)
        rows.append(MinerRow(i + 1, "kept") if d is None else MinerRow(
            d.number, d.state, d.deleted_at, d.submissions, for_people(d.error) if d.error else "",
            d.attempts, d.last_attempt_at))
    published = published_at(period)
    return RetentionStatus(settings.SHARE_RETENTION_DAYS, published, due_after(published),
                           period.shares_deletion_requested_at, rows)
