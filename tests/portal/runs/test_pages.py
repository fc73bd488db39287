"""Staff pages of analyses: the list with a Start button per closed period, a confirmation step,
the progress page, a failed run's reason and its Restart button; everyone else is kept out."""

import datetime as dt

import pytest

from consortium.portal.runs import tasks
from consortium.portal.runs.models import AnalysisRun
from tests.portal.fake_miners import make_member, make_period, make_submission


@pytest.fixture
def period(db, fake):
    period = make_period("2026 H1", dt.date(2026, 6, 30))
    make_submission(*make_member("Member"), period)
    return period


def csrf_post(client, url, data):
    """A POST as the browser sends it: with the CSRF token from the page's cookie."""
    client.get("/analyses/")
    return client.post(url, {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})


def test_the_list_offers_each_closed_period_with_a_start_button(period, staff_user, client_for):
    make_period("Still open", dt.date(2026, 12, 31), state="open")
    page = client_for(staff_user).get("/analyses/").content.decode()
    assert "2026 H1" in page and f"/analyses/periods/{period.pk}/start/" in page
    assert "Still open" not in page
    assert "No analysis has been started yet." in page


def test_a_period_whose_shares_were_deleted_is_not_offered(period, staff_user, client_for):
    from django.utils import timezone

    period.shares_deletion_requested_at = timezone.now()
    period.save(update_fields=["shares_deletion_requested_at"])
    client = client_for(staff_user)
    page = client.get("/analyses/").content.decode()
    assert "2026 H1" in page and "can no longer be analysed" in page
    assert f"/analyses/periods/{period.pk}/start/" not in page
    start = client.get(f"/analyses/periods/{period.pk}/start/").content.decode()
    assert "can no longer be analysed" in start and 'name="confirm"' not in start


def test_an_empty_list_says_what_to_do(db, staff_user, client_for):
    page = client_for(staff_user).get("/analyses/").content.decode()
    assert "No period is closed yet." in page


def test_starting_asks_for_confirmation_first(period, fake, staff_user, client_for):
    client = client_for(staff_user, csrf=True)
    page = client.get(f"/analyses/periods/{period.pk}/start/")
    assert page.status_code == 200 and "Start the analysis" in page.content.decode()
    assert not AnalysisRun.objects.exists() and not fake.runs[0]


def test_a_confirmed_start_asks_the_miners_and_shows_progress(period, fake, staff_user, client_for):
    client = client_for(staff_user, csrf=True)
    response = csrf_post(client, f"/analyses/periods/{period.pk}/start/", {"confirm": "yes"})
    run = AnalysisRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/analyses/{run.run_id}/"
    assert run.state == AnalysisRun.State.RUNNING and all(str(run.run_id) in fake.runs[i] for i in range(3))
    page = client.get(response["Location"]).content.decode()
    assert "The three miners accepted the analysis" in page
    assert 'id="run-progress"' in page and "run_progress.js" in page and f"/ws/runs/{run.run_id}/" in page


def test_a_start_without_csrf_token_is_refused(period, fake, staff_user, client_for):
    client = client_for(staff_user, csrf=True)
    response = client.post(f"/analyses/periods/{period.pk}/start/", {"confirm": "yes"})
    assert response.status_code == 403 and not AnalysisRun.objects.exists()


def test_a_failed_run_shows_why_and_restarts(period, fake, staff_user, client_for):
    fake.down.add(1)
    client = client_for(staff_user, csrf=True)
    response = csrf_post(client, f"/analyses/periods/{period.pk}/start/", {"confirm": "yes"})
    failed = AnalysisRun.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "The analysis failed" in page and "Miner 2 did not accept the run (connection refused)" in page
    assert f"/analyses/{failed.run_id}/restart/" in page

    fake.down.clear()
    response = csrf_post(client, f"/analyses/{failed.run_id}/restart/", {"confirm": "yes"})
    again = AnalysisRun.objects.exclude(pk=failed.pk).get()
    assert response["Location"] == f"/analyses/{again.run_id}/"
    assert again.state == AnalysisRun.State.RUNNING
    assert "see the new run" in client.get(f"/analyses/{failed.run_id}/").content.decode()


def test_a_finished_run_shows_counts_not_values(period, fake, staff_user, client_for):
    run = AnalysisRun.objects.create(period=period, state=AnalysisRun.State.DONE, results={
        "ring": 32, "indicators": {"employees": {"values": [4181937, 7719263], "count": 2, "rejected": 1}},
        "ratios": {}, "time_series": {}})
    client = client_for(staff_user)
    page = client.get(f"/analyses/{run.run_id}/").content.decode()
    assert "Number of employees" in page and "Rejected (out of range)" in page
    assert "4181937" not in page and "7719263" not in page
    listing = client.get("/analyses/").content.decode()
    assert "analysed" in listing and f"/analyses/{run.run_id}/" in listing


@pytest.mark.parametrize("persona", ["rep_a", "board_user"])
def test_only_staff_reach_the_pages(period, client_for, request, persona):
    client = client_for(request.getfixturevalue(persona))
    run = AnalysisRun.objects.create(period=period)
    for url in ["/analyses/", f"/analyses/periods/{period.pk}/start/", f"/analyses/{run.run_id}/"]:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/analyses/periods/{period.pk}/start/", {"confirm": "yes"}).status_code == 403
    assert AnalysisRun.objects.count() == 1


def test_anonymous_visitors_are_sent_to_log_in(period, client):
    response = client.get("/analyses/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_restart_is_a_post(period, staff_user, client_for):
    run = AnalysisRun.objects.create(period=period, state=AnalysisRun.State.FAILED, error="x")
    assert client_for(staff_user).get(f"/analyses/{run.run_id}/restart/").status_code == 405


def test_a_run_already_in_progress_is_explained(period, fake, staff_user, client_for):
    tasks.start_run(period, staff_user)
    client = client_for(staff_user, csrf=True)
    response = csrf_post(client, f"/analyses/periods/{period.pk}/start/", {"confirm": "yes"})
    assert response["Location"] == "/analyses/"
    assert "already in progress" in client.get("/analyses/").content.decode()
