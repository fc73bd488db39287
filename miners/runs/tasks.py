"""The Celery task of a run, how a new run is handed to it, and the worker's peer endpoint."""

import logging
import threading

from celery import shared_task
from celery.signals import worker_init, worker_shutdown
from django.conf import settings
from django.db import close_old_connections

log = logging.getLogger(__name__)


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


class WorkerPoolError(Exception):
    """A miner's worker must run its runs in its own process, one at a time."""


@worker_init.connect
def serve_peer_channel(sender=None, **kwargs) -> None:
    """A miner's worker serves /peer/ws on MINER_PEER_LISTEN: the protocol runs where its links arrive."""
    if settings.DEPLOYMENT_MODE != "miner":
        return
    try:
        pool = getattr(sender, "pool_cls", "")
        name = pool if isinstance(pool, str) else f"{pool.__module__}.{pool.__qualname__}"
        if "solo" not in name.lower():
            raise WorkerPoolError(f"a miner's worker runs with --pool solo (got {name}): its runs and its "
                                  "peer endpoint share one process")
        from miners.peering.configured import serve_in_worker

        serve_in_worker()
    except Exception as exc:
        # Celery logs and ignores a handler's exception: the worker would then take runs it cannot do.
        log.critical("the miner's worker cannot serve its peer endpoint: %s", exc)
        raise SystemExit(1) from exc


@worker_shutdown.connect
def stop_peer_channel(sender=None, **kwargs) -> None:
    if settings.DEPLOYMENT_MODE == "miner":
        from miners.peering.configured import stop

        stop()
