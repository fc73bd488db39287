"""What the home page shows each role. A representative's view is built from their own company only."""

from django.db.models import Count, OuterRef, Q, Subquery

from consortium.portal.accounts.models import Company, Role
from consortium.portal.periods.models import CollectionPeriod
from consortium.portal.submissions.models import Submission, sent_attempts


def _representative(user):
    """Each open period with the company's latest complete attempt, latest attempt and number of
    attempts, in one query however many periods are open. An attempt is what the history page
    lists (`sent_attempts`): a form only opened is none."""
    attempts = Submission.objects.filter(sent_attempts(), company=user.company, period=OuterRef("pk"))
    latest_complete = attempts.filter(state=Submission.State.COMPLETE).order_by("-completed_at")
    open_periods = (
        CollectionPeriod.objects.filter(state=CollectionPeriod.State.OPEN).order_by("ends_on")
        .annotate(submitted_at=Subquery(latest_complete.values("completed_at")[:1]),
                  last_attempt_state=Subquery(attempts.order_by("-created_at").values("state")[:1]),
                  attempts=Count("submissions", filter=Q(submissions__company=user.company)
                                 & sent_attempts("submissions__")))
    )
    return {"open_periods": open_periods}


def _staff(user):
    active = Company.objects.filter(active=True).count()
    periods = (CollectionPeriod.objects.exclude(state=CollectionPeriod.State.CLOSED)
               .annotate(submitted=Count("submissions__company", distinct=True,
                                         filter=Q(submissions__state=Submission.State.COMPLETE))))
    return {"periods": periods, "active_companies": active}


def _board(user):
    return {}


_BY_ROLE = {Role.REPRESENTATIVE: _representative, Role.STAFF: _staff, Role.BOARD: _board}


def home_context(user) -> dict:
    return _BY_ROLE[user.role](user)
