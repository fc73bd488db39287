"""Who may post receipts, and only with the CSRF token; who sees which attempts."""

import json

import pytest
from django.utils import timezone

from consortium.portal.submissions import actions
from consortium.portal.submissions.models import Submission
from tests.portal.factories import miners_setting

RECEIPTS = "/submissions/receipts/"
HISTORY = "/submissions/"


@pytest.fixture(autouse=True)
def miners(settings):
    settings.MINERS = miners_setting(urls=False)


def body(access):
    return json.dumps({"form": str(access.form_id), "receipts": []})


def test_the_receipts_endpoint_enforces_csrf(client_for, rep_a, open_period):
    _t, access, submission = actions.do_issue_token(rep_a, open_period)
    client = client_for(rep_a, csrf=True)
    response = client.post(RECEIPTS, body(access), content_type="application/json")
    assert response.status_code == 403
    submission.refresh_from_db()
    assert submission.state == Submission.State.PENDING


def test_the_receipts_endpoint_accepts_the_pages_csrf_token(client_for, rep_a, open_period):
    client = client_for(rep_a, csrf=True)
    client.get(f"/submissions/form/{open_period.pk}/")  # the not-started page sets the CSRF cookie
    page = client.post(f"/submissions/form/{open_period.pk}/",
                       {"csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    config = json.loads(page.content.decode().split('id="sharing-config" type="application/json">')[1]
                        .split("</script>")[0])
    response = client.post(RECEIPTS, json.dumps({"form": config["form"], "receipts": []}),
                           content_type="application/json", HTTP_X_CSRFTOKEN=config["csrf_token"])
    assert response.status_code == 400  # past CSRF: refused for want of receipts, and recorded
    assert Submission.objects.get(token__form_id=config["form"]).state == Submission.State.FAILED


def test_only_a_representative_may_post_receipts(client_for, csrf_client, rep_a, staff_user, open_period):
    _t, access, submission = actions.do_issue_token(rep_a, open_period)
    assert csrf_client.post(RECEIPTS, body(access), content_type="application/json").status_code == 403
    staff = client_for(staff_user)
    assert staff.post(RECEIPTS, body(access), content_type="application/json").status_code == 403
    submission.refresh_from_db()
    assert submission.state == Submission.State.PENDING


def complete(submission):
    Submission.objects.filter(pk=submission.pk).update(state=Submission.State.COMPLETE,
                                                       completed_at=timezone.now())


def test_history_shows_only_the_own_companys_attempts(client_for, rep_a, rep_b, open_period):
    _t, _a, mine = actions.do_issue_token(rep_a, open_period)
    _t, _b, theirs = actions.do_issue_token(rep_b, open_period)
    complete(mine)
    Submission.objects.filter(pk=theirs.pk).update(state=Submission.State.FAILED, failure_reason="missing:1")
    page = client_for(rep_a).get(HISTORY).content.decode()
    assert "Anna Alpha" in page and "Bruno Beta" not in page
    assert "No receipt from miner" not in page
    other = client_for(rep_b).get(HISTORY).content.decode()
    assert "No receipt from Miner 2" in other and "Anna Alpha" not in other


def test_history_marks_the_latest_complete_submission_as_counting(client_for, rep_a, open_period):
    _t, _a, first = actions.do_issue_token(rep_a, open_period)
    _t, _a, second = actions.do_issue_token(rep_a, open_period)
    complete(first)
    complete(second)
    page = client_for(rep_a).get(HISTORY).content.decode()
    assert page.count(">counts<") == 1
    rows = page.split("<tr>")[2:]
    assert ">counts<" in rows[0]  # newest first: the correction is the one that counts


def test_history_leaves_out_forms_that_were_only_opened(client_for, rep_a, open_period):
    actions.do_issue_token(rep_a, open_period)
    page = client_for(rep_a).get(HISTORY).content.decode()
    assert "has not sent any figures yet" in page
    assert "Fill in the form" in page


def test_history_is_for_representatives_only(client_for, staff_user, board_user, client):
    assert client.get(HISTORY).status_code == 302
    for user in (staff_user, board_user):
        assert client_for(user).get(HISTORY).status_code == 403
