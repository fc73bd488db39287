"""Who has submitted in a period (never what), and whether the miners still hold its shares: read-only
queries for the admin."""

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, Subquery

from consortium.portal.accounts.models import Company
from consortium.portal.periods.models import CollectionPeriod
from consortium.portal.retention.status import RetentionStatus, retention_status
from consortium.portal.submissions.models import Submission, sent_attempts


@dataclass
class PeriodStatus:
    rows: list  # companies, each with .submitted_at and .submitted_by (None when not submitted)
    submitted: int
    active: int
    retention: RetentionStatus  # whether the miners still hold the period's shares, or each one's receipt


def period_status(period: CollectionPeriod) -> PeriodStatus:
    """Active companies and any other that submitted, each with its latest complete submission and its
    number of attempts: forms sent (see `sent_attempts`), never forms only opened."""
    complete = Submission.objects.filter(period=period, state=Submission.State.COMPLETE)
    latest = complete.filter(company=OuterRef("pk")).order_by("-completed_at")
    companies = (
        Company.objects.filter(Q(active=True) | Q(pk__in=complete.values("company")))
        .annotate(
            submitted_at=Subquery(latest.values("completed_at")[:1]),
            submitted_by=Subquery(latest.values("user__username")[:1]),
            # as the member's history counts them: sent (complete, failed, or reached a miner), not
            # every form opened
            attempts=Count("submissions",
                           filter=Q(submissions__period=period) & sent_attempts("submissions__")),
        )
        .order_by("name")
    )
    rows = list(companies)
    return PeriodStatus(
        rows=rows,
        submitted=sum(1 for c in rows if c.submitted_at is not None),
        active=sum(1 for c in rows if c.active),
        retention=retention_status(period),
    )
