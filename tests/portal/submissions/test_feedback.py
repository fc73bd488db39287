"""The optional questionnaire after a complete submission, and the tallies staff see."""

import pytest
from django.utils import timezone

from consortium.portal.submissions import actions
from consortium.portal.submissions.models import Feedback, Submission
from tests.portal.factories import miners_setting

ANSWER = {"benefit": "somewhat", "explanation_helped": "yes", "extra_indicators": "R&D spending"}


@pytest.fixture(autouse=True)
def miners(settings):
    settings.MINERS = miners_setting(urls=False)


def attempt(rep, period, complete=True):
    _t, access, submission = actions.do_issue_token(rep, period)
    if complete:
        Submission.objects.filter(pk=submission.pk).update(state=Submission.State.COMPLETE,
                                                           completed_at=timezone.now())
    return f"/submissions/feedback/{access.form_id}/", submission


def test_it_records_one_answer_after_a_complete_submission(client_for, rep_a, open_period):
    url, submission = attempt(rep_a, open_period)
    client = client_for(rep_a, csrf=False)
    assert client.get(url).status_code == 200
    assert client.post(url, ANSWER).status_code == 302
    feedback = Feedback.objects.get(submission=submission)
    assert (feedback.benefit, feedback.explanation_helped, feedback.extra_indicators) == (
        "somewhat", "yes", "R&D spending")
    client.post(url, {**ANSWER, "benefit": "no"})
    assert Feedback.objects.count() == 1 and Feedback.objects.get().benefit == "somewhat"


def test_the_questionnaire_needs_the_csrf_token(client_for, rep_a, open_period):
    url, _submission = attempt(rep_a, open_period)
    assert client_for(rep_a, csrf=True).post(url, ANSWER).status_code == 403
    assert not Feedback.objects.exists()


def test_there_is_no_questionnaire_before_the_submission_is_complete(client_for, rep_a, open_period):
    url, _submission = attempt(rep_a, open_period, complete=False)
    assert client_for(rep_a).get(url).status_code == 404
    assert client_for(rep_a).post(url, ANSWER).status_code == 404
    assert not Feedback.objects.exists()


def test_another_company_cannot_answer_for_a_submission(client_for, rep_a, rep_b, open_period):
    url, _submission = attempt(rep_a, open_period)
    assert client_for(rep_b).post(url, ANSWER).status_code == 404
    assert not Feedback.objects.exists()


@pytest.mark.parametrize("change", [{"benefit": "maybe"}, {"explanation_helped": "perhaps"},
                                    {"extra_indicators": "x" * 501}])
def test_it_refuses_an_invalid_answer(client_for, rep_a, open_period, change):
    url, _submission = attempt(rep_a, open_period)
    response = client_for(rep_a).post(url, {**ANSWER, **change})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not Feedback.objects.exists()


def test_staff_see_the_tallies_without_the_company(client_for, rep_a, rep_b, staff_user, open_period):
    for rep, benefit in ((rep_a, "yes"), (rep_b, "yes"), (rep_a, "no")):
        _url, submission = attempt(rep, open_period)
        actions.do_record_feedback(submission, benefit=benefit, explanation_helped="did_not_read",
                                   extra_indicators="")
    response = client_for(staff_user).get("/admin/submissions/feedback/")
    assert response.status_code == 200
    tallies = {q["question"]: {a["label"]: a["count"] for a in q["answers"]}
               for q in response.context["tallies"]}
    assert tallies["Does the analysis benefit your company?"] == {"yes": 2, "somewhat": 0, "no": 1}
    assert list(tallies.values())[1]["I did not read it"] == 3
    page = response.content.decode()
    assert "feedback-tallies" in page
    assert "Alpha Metall" not in page and "Beta Puit" not in page


def test_the_history_offers_the_questionnaire_once(client_for, rep_a, open_period):
    url, submission = attempt(rep_a, open_period)
    client = client_for(rep_a)
    assert url in client.get("/submissions/").content.decode()
    client.post(url, ANSWER)
    assert url not in client.get("/submissions/").content.decode()


@pytest.mark.parametrize("answer", [{"benefit": "no"}, {"explanation_helped": "did_not_read"},
                                    {"extra_indicators": "export markets"}])
def test_each_question_is_optional(client_for, rep_a, open_period, answer):
    url, submission = attempt(rep_a, open_period)
    assert client_for(rep_a).post(url, answer).status_code == 302
    feedback = Feedback.objects.get(submission=submission)
    stored = {"benefit": feedback.benefit, "explanation_helped": feedback.explanation_helped,
              "extra_indicators": feedback.extra_indicators}
    assert stored == {"benefit": "", "explanation_helped": "", "extra_indicators": "", **answer}


def test_an_empty_questionnaire_is_refused_with_a_clear_message(client_for, rep_a, open_period):
    url, _submission = attempt(rep_a, open_period)
    empty = {"benefit": "", "explanation_helped": "", "extra_indicators": "  "}
    response = client_for(rep_a).post(url, empty)
    assert response.status_code == 200
    assert "Answer at least one question, or skip the questionnaire." in response.content.decode()
    assert not Feedback.objects.exists()


def test_a_question_left_blank_is_not_counted_in_its_tally(client_for, rep_a, rep_b, staff_user, open_period):
    for rep, benefit in ((rep_a, "yes"), (rep_b, "")):
        _url, submission = attempt(rep, open_period)
        actions.do_record_feedback(submission, benefit=benefit, explanation_helped="", extra_indicators="x")
    tallies = client_for(staff_user).get("/admin/submissions/feedback/").context["tallies"]
    assert [q["total"] for q in tallies] == [1, 0]
