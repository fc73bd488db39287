"""What the home page shows each role. A representative's view is built from their own company only."""

from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse

from consortium.periods.models import CollectionPeriod
from consortium.submissions.models import Submission

from .models import Company, Role


def _url(name, **kwargs):
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:  # that part of the portal is not routed (yet)
        return None


def company_status(company, period) -> dict:
    """Whether `company` has submitted for `period`: its latest complete attempt and its latest attempt."""
    attempts = Submission.objects.filter(company=company, period=period)
    latest_complete = attempts.filter(state=Submission.State.COMPLETE).order_by("-completed_at").first()
    return {
        "period": period,
        "submitted_at": latest_complete.completed_at if latest_complete else None,
        "last_attempt": attempts.order_by("-created_at").first(),
        "attempts": attempts.count(),
        "form_url": _url("submissions:form", period_id=period.pk),
    }


def _representative(user):
    periods = CollectionPeriod.objects.filter(state=CollectionPeriod.State.OPEN).order_by("ends_on")
    return {"statuses": [company_status(user.company, period) for period in periods],
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
