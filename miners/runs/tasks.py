"""The Celery task of a run, and how a new run is handed to it."""

import threading

from celery import shared_task
from django.conf import settings
from django.db import close_old_connections


@shared_task(name="miners.runs.execute", acks_late=True)
def execute_run(run_id: str) -> None:
    from miners.identity.keys import NoIdentity

    from . import actions, worker

    try:
        miner = worker.Miner.from_settings()
    except NoIdentity as exc:  # the system checks refuse such a miner; a run must not stay "queued" anyway
        actions.do_progress(run_id, "failed", 0.0, "failed", str(exc))
        return
    worker.execute(run_id, miner)


def _in_thread(run_id: str) -> None:
    try:
        execute_run(run_id)
    finally:
        close_old_connections()


def dispatch(run_id: str) -> None:
    """Start the run. With a broker, on a worker. In-process (CELERY_TASK_ALWAYS_EAGER, the embedded
    default), on a thread: the portal's POST must not wait for the computation, which itself waits for the
    two peers, which get their POST only after this one is answered."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        threading.Thread(target=_in_thread, args=(run_id,), name=f"run-{run_id}", daemon=True).start()
    else:
        execute_run.delay(run_id)
