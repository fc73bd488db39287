"""The status page and the member's history count the same attempts: forms sent, not forms opened."""

import pytest
from django.urls import reverse

from consortium.portal.overview.period_status import period_status
from consortium.portal.submissions.actions import do_issue_token
from consortium.portal.submissions.models import AccessToken, Submission

pytestmark = pytest.mark.django_db


def _attempts(period, company) -> int:
    return next(c.attempts for c in period_status(period).rows if c.pk == company.pk)


def test_it_counts_a_form_opened_but_never_sent_nowhere(rep_a, company_a, open_period, client_for):
    do_issue_token(rep_a, open_period)
    assert _attempts(open_period, company_a) == 0
    page = client_for(rep_a).get(reverse("submissions:history")).content.decode()
    assert "2026 H1</td>" not in page  # no row in the member's history either


def test_it_counts_failed_complete_and_sent_pending_attempts_in_both_places(rep_a, company_a, open_period,
                                                                              client_for):
    states = [Submission.State.FAILED, Submission.State.COMPLETE, Submission.State.PENDING]
    for state in states:
        _token, access, submission = do_issue_token(rep_a, open_period)
        Submission.objects.filter(pk=submission.pk).update(state=state)
    AccessToken.objects.filter(pk=access.pk).update(used_by_miner_1=True)  # the pending one reached a miner
    do_issue_token(rep_a, open_period)  # opened, never sent
    assert _attempts(open_period, company_a) == 3
    page = client_for(rep_a).get(reverse("submissions:history")).content.decode()
    assert page.count("2026 H1</td>") == 3
