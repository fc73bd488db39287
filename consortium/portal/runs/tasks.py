"""Celery tasks of the runs app (in-process when no broker is configured: CELERY_TASK_ALWAYS_EAGER),
and the functions that schedule them. Tasks are entry points, like views: they call `actions`, never
the other way round."""

from functools import partial

from celery import shared_task
from django.db import transaction

from . import actions
from .models import AnalysisRun


@shared_task(acks_late=True)
def dispatch_run(run_pk: int) -> None:
    """Ask the three miners to start a recorded run; a refusal fails the run with its reason."""
    actions.send_to_miners(run_pk)


@shared_task
def poll_run(run_pk: int) -> None:
    """Ask the miners for a run's progress when their pushes stopped (RUN_POLL_AFTER_SECONDS)."""
    actions.poll_miners(run_pk)


@shared_task
def fail_overdue_runs() -> int:
    """Fail the runs still unfinished RUN_TIMEOUT_SECONDS after their start (CELERY_BEAT_SCHEDULE)."""
    return actions.fail_overdue_runs()


@shared_task
def fail_overdue_run(run_pk: int) -> bool:
    return actions.do_fail_overdue(run_pk)


def start_run(period, actor, request=None, restarted_from: AnalysisRun | None = None) -> AnalysisRun:
    """Record a run of a closed period, then (once that is committed) ask the three miners to compute it.

    Returns the run; with tasks in-process it is already failed (the reason naming the miner) when a
    miner refused or could not be reached.
    """
    actions.check_may_start(actor)
    portal_url = request.build_absolute_uri("/") if request is not None else ""
    run = actions.do_create_run(period, actor, request, portal_url, restarted_from)
    # The miners may call back at once, so they must find the run committed: at once when the run's
    # transaction was the outermost one, else when the caller's (an admin action's) commits.
    transaction.on_commit(partial(dispatch_run.delay, run.pk))
    run.refresh_from_db()
    return run


def restart_run(run: AnalysisRun, actor, request=None) -> AnalysisRun:
    actions.check_may_restart(run, actor)
    return start_run(run.period, actor, request, restarted_from=run)


def refresh_if_overdue(run: AnalysisRun) -> AnalysisRun:
    """A run shown past its time limit is failed by a task (a page that reads does not write itself);
    returns the run as it stands afterwards (already failed when tasks run in-process)."""
    if actions.is_overdue(run):
        fail_overdue_run.delay(run.pk)
        run.refresh_from_db()
    return run
