"""What the home page shows each role. A representative's view is built from their own company only."""

from django.db.models import Count, OuterRef, Q, Subquery
from django.urls import NoReverseMatch, reverse

from consortium.periods.models import CollectionPeriod
from consortium.submissions.models import Submission

from .models import Company, Role


def _url(name, **kwargs):
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:  # that part of the portal is not routed (yet)
        return None


def _representative(user):
    """Each open period with the company's latest complete attempt, latest attempt and number of
    attempts, in one query however many periods are open."""
    attempts = Submission.objects.filter(company=user.company, period=OuterRef("pk"))
    latest_complete = attempts.filter(state=Submission.State.COMPLETE).order_by("-completed_at")
    periods = (
        CollectionPeriod.objects.filter(state=CollectionPeriod.State.OPEN).order_by("ends_on")
        .annotate(submitted_at=Subquery(latest_complete.values("completed_at")[:1]),
                  last_attempt_state=Subquery(attempts.order_by("-created_at").values("state")[:1]),
                  attempts=Count("submissions", filter=Q(submissions__company=user.company)))
    )
    return {"statuses": [{"period": period, "submitted_at": period.submitted_at,
                          "last_attempt_state": period.last_attempt_state, "attempts": period.attempts,
                          "form_url": _url("submissions:form", period_id=period.pk)} for period in periods],
            "history_url": _url("submissions:history")}


def _staff(user):
    active = Company.objects.filter(active=True).count()
    periods = (CollectionPeriod.objects.exclude(state=CollectionPeriod.State.CLOSED)
               .annotate(submitted=Count("submissions__company", distinct=True,
                                         filter=Q(submissions__state=Submission.State.COMPLETE))))
    return {
        "periods": periods,
        "active_companies": active,
        "periods_url": _url("admin:periods_collectionperiod_changelist"),
        "companies_url": _url("admin:accounts_company_changelist"),
        "users_url": _url("admin:accounts_user_changelist"),
        "audit_url": _url("admin:accounts_auditevent_changelist"),
        "analyses_url": _url("runs:list"),
    }


def _board(user):
    return {"drafts_url": _url("reports:drafts") or _url("reports:list")}


_BY_ROLE = {Role.REPRESENTATIVE: _representative, Role.STAFF: _staff, Role.BOARD: _board}


def home_context(user) -> dict:
    return {"reports_url": _url("reports:list"), "how_url": _url("accounts:how_it_works"),
            **_BY_ROLE[user.role](user)}
