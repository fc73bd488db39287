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
