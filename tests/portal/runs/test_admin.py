"""The "Start analysis" admin action on collection periods: a confirmation page, then the run."""

import datetime as dt

import pytest

from consortium.portal.runs.models import AnalysisRun
from tests.portal.fake_miners import make_member, make_period, make_submission

CHANGELIST = "/admin/periods/collectionperiod/"


@pytest.fixture
def staff(client_for, staff_user):
    client = client_for(staff_user, csrf=True)
    client.get(CHANGELIST)  # the CSRF cookie, as the page would have set it
    return client


def act(client, period, **extra):
    return client.post(CHANGELIST, {"action": "start_analysis", "_selected_action": [period.pk], "index": 0,
                                    "csrfmiddlewaretoken": client.cookies["csrftoken"].value, **extra})


def test_it_asks_then_starts_the_analysis(staff, fake):
    period = make_period("2026 H1", dt.date(2026, 6, 30))
    make_submission(*make_member("Member"), period)
    page = act(staff, period)
    assert page.status_code == 200 and "Ask the three miners to analyse" in page.content.decode()
    assert not AnalysisRun.objects.exists()

    response = act(staff, period, confirm="yes")
    assert response.status_code == 302
    run = AnalysisRun.objects.get()
    assert run.state == AnalysisRun.State.RUNNING and str(run.run_id) in fake.runs[2]
    assert "The miners accepted the analysis of" in staff.get(response["Location"]).content.decode()


def test_it_explains_why_a_period_cannot_be_analysed(staff, fake):
    period = make_period("2026 H1", dt.date(2026, 6, 30), state="open")
    response = act(staff, period, confirm="yes")
    assert "Only a closed period can be analysed" in staff.get(response["Location"]).content.decode()
    assert not AnalysisRun.objects.exists()


def test_it_reports_a_miner_that_is_down(staff, fake):
    fake.down.add(0)
    period = make_period("2026 H1", dt.date(2026, 6, 30))
    make_submission(*make_member("Member"), period)
    response = act(staff, period, confirm="yes")
    page = staff.get(response["Location"]).content.decode()
    assert "Miner 1 did not accept the run (connection refused)" in page
    assert AnalysisRun.objects.get().state == AnalysisRun.State.FAILED
