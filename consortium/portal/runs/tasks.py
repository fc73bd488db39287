"""Celery tasks of the runs app (in-process when no broker is configured: CELERY_TASK_ALWAYS_EAGER)."""

from celery import shared_task


@shared_task(acks_late=True)
def dispatch_run(run_pk: int) -> None:
    """Ask the three miners to start a recorded run; a refusal fails the run with its reason."""
    from .actions import send_to_miners

    send_to_miners(run_pk)


@shared_task
def poll_run(run_pk: int) -> None:
    """Ask the miners for a run's progress when their pushes stopped (RUN_POLL_AFTER_SECONDS)."""
    from .actions import poll_miners

    poll_miners(run_pk)


@shared_task
def fail_overdue_runs() -> int:
    """Fail the runs still unfinished RUN_TIMEOUT_SECONDS after their start (CELERY_BEAT_SCHEDULE)."""
    from .actions import fail_overdue_runs as fail

    return fail()
