"""Each start of the form ("Start a new submission", a POST) issues a token: at most
ACCESS_TOKENS_PER_USER_PER_HOUR (20) per member, then a clear message says when the form opens again."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from consortium.portal.accounts.models import AuditEvent
from consortium.portal.submissions import actions
from consortium.portal.submissions.models import AccessToken
from tests.portal.factories import miners_setting


@pytest.fixture(autouse=True)
def miners(settings):
    settings.MINERS = miners_setting()


def form_url(period):
    return f"/submissions/form/{period.pk}/"


def test_the_21st_start_within_an_hour_gets_a_message_instead_of_a_form(client_for, rep_a, open_period,
                                                                        settings):
    assert settings.ACCESS_TOKENS_PER_USER_PER_HOUR == 20
    client = client_for(rep_a)
    assert [client.post(form_url(open_period)).status_code for _ in range(20)] == [200] * 20
    response = client.post(form_url(open_period))
    assert response.status_code == 302 and response["Location"] == "/submissions/"
    page = client.get(response["Location"]).content.decode()
    assert "You have opened the form 20 times in the last hour, the most the portal allows" in page
    assert AccessToken.objects.filter(user=rep_a).count() == 20


def test_it_says_when_the_form_opens_again_and_opens_it_then(client_for, rep_a, open_period, settings,
                                                             travel):
    settings.ACCESS_TOKENS_PER_USER_PER_HOUR = 2
    first = actions.do_issue_token(rep_a, open_period)[1]
    travel(600)
    actions.do_issue_token(rep_a, open_period)
    with pytest.raises(actions.TooManyTokens) as refused:
        actions.do_issue_token(rep_a, open_period)
    assert refused.value.retry_at == first.created_at + timedelta(hours=1)
    client = client_for(rep_a)
    page = client.post(form_url(open_period), follow=True).content.decode()
    when = date_format(timezone.localtime(refused.value.retry_at), "DATETIME_FORMAT")
    assert f"You can open it again at {when}." in page
    travel(3000)  # the first token is an hour old now
    assert 'id="sharing-config"' in client.post(form_url(open_period)).content.decode()


def test_a_refused_visit_leaves_no_token_submission_or_audit_row(rep_a, open_period, settings):
    settings.ACCESS_TOKENS_PER_USER_PER_HOUR = 1
    actions.do_issue_token(rep_a, open_period)
    with pytest.raises(actions.TooManyTokens):
        actions.do_issue_token(rep_a, open_period)
    assert AccessToken.objects.count() == 1 and rep_a.submission_set.count() == 1
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.TOKEN_ISSUED).count() == 1


def test_the_limit_is_per_member(client_for, rep_a, rep_b, open_period, settings):
    settings.ACCESS_TOKENS_PER_USER_PER_HOUR = 1
    actions.do_issue_token(rep_a, open_period)
    assert client_for(rep_a).post(form_url(open_period)).status_code == 302
    assert client_for(rep_b).post(form_url(open_period)).status_code == 200
