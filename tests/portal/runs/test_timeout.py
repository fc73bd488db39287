"""A run the miners accepted and then never finished: failed RUN_TIMEOUT_SECONDS after its start, when
its status is shown or polled, or by the periodic task; it can then be restarted like any failed run."""

import datetime as dt
from pathlib import Path

import pytest
import yaml

from consortium import celery_app
from consortium.portal.accounts.models import AuditEvent
from consortium.portal.runs import actions, tasks
from consortium.portal.runs.models import AnalysisRun
from tests.portal.fake_miners import make_member, make_period, make_submission

LIMIT = 2 * 3600
REASON = "The miners did not finish the analysis within 2\xa0hours of its start (the time limit)"


@pytest.fixture
def run(fake, staff_user, settings):
    settings.RUN_TIMEOUT_SECONDS = LIMIT
    period = make_period("2026 H1", dt.date(2026, 6, 30))
    make_submission(*make_member("Member"), period)
    run = tasks.start_run(period, staff_user)
    assert run.state == AnalysisRun.State.RUNNING
    return run


def status(client, run):
    return client.get(f"/analyses/{run.run_id}/status.json").json()


def test_a_run_still_running_at_the_limit_is_failed_when_its_status_is_polled(run, client_for, staff_user,
                                                                               travel):
    staff = client_for(staff_user)
    travel(LIMIT - 1)
    assert status(staff, run)["state"] == "running"
    travel(1)
    answer = status(staff, run)
    assert (answer["state"], answer["error"], answer["finished"]) == ("failed", REASON, True)
    run.refresh_from_db()
    assert run.state == AnalysisRun.State.FAILED and run.finished_at is not None
    audited = AuditEvent.objects.get(kind=AuditEvent.Kind.ANALYSIS_FAILED).detail["reason"]
    assert audited == run.error == "timeout::7200"


def test_the_progress_page_shows_the_reason_and_offers_a_restart(run, client_for, staff_user, travel):
    travel(LIMIT)
    page = client_for(staff_user).get(f"/analyses/{run.run_id}/").content.decode()
    assert "The miners did not finish the analysis within 2\xa0hours of its start" in page
    assert f"/analyses/{run.run_id}/restart/" in page


def test_a_timed_out_run_restarts_as_a_new_run(run, staff_user, travel):
    travel(LIMIT)
    failed = tasks.refresh_if_overdue(run)
    again = tasks.restart_run(failed, staff_user)
    assert again.run_id != run.run_id and again.state == AnalysisRun.State.RUNNING
    assert not actions.is_overdue(again)


def test_the_periodic_task_fails_only_the_overdue_runs(run, fake, staff_user, travel):
    travel(LIMIT / 2)
    other = make_period("2025 H2", dt.date(2025, 12, 31))
    make_submission(*make_member("Other member"), other)
    later = tasks.start_run(other, staff_user)
    travel(LIMIT / 2)
    assert tasks.fail_overdue_runs.delay().get() == 1
    run.refresh_from_db()
    later.refresh_from_db()
    assert (run.state, run.reason) == (AnalysisRun.State.FAILED, REASON)
    assert later.state == AnalysisRun.State.RUNNING


def test_a_finished_run_is_never_timed_out(run, fake, client, travel):
    fake.push(client, run.run_id)
    travel(10 * LIMIT)
    assert actions.fail_overdue_runs() == 0
    run.refresh_from_db()
    assert run.state == AnalysisRun.State.DONE and run.error == ""


def test_outputs_arriving_after_the_time_out_are_refused(run, fake, client, travel):
    travel(LIMIT)
    actions.fail_overdue_runs()
    answers = fake.push(client, run.run_id)
    assert {a.status_code for a in answers} == {409}
    run.refresh_from_db()
    assert (run.state, run.reason, run.results) == (AnalysisRun.State.FAILED, REASON, None)


def test_the_limit_is_the_setting(run, settings, travel):
    settings.RUN_TIMEOUT_SECONDS = 600
    travel(599)
    assert actions.fail_overdue_runs() == 0
    travel(1)
    assert actions.fail_overdue_runs() == 1
    run.refresh_from_db()
    assert "within 10\xa0minutes of its start" in run.reason


def test_the_beat_schedule_names_the_registered_task():
    entry = celery_app.conf.beat_schedule["fail-overdue-runs"]
    assert entry["task"] == tasks.fail_overdue_runs.name and entry["task"] in celery_app.tasks
    assert entry["schedule"] <= 600


def test_the_compose_set_up_runs_one_beat_for_the_portal():
    root = Path(__file__).resolve().parents[3] / "docker"
    services = yaml.safe_load((root / "consortium.compose.yml").read_text())["services"]
    beats = {name: s for name, s in services.items() if s.get("command") == ["portal-beat"]}
    assert list(beats) == ["portal-beat"]
    assert beats["portal-beat"]["environment"] == services["portal"]["environment"]
    entrypoint = (root / "entrypoint.sh").read_text()
    assert "  portal-beat)\n" in entrypoint and "exec celery --app consortium beat " in entrypoint
