"""Celery tasks of the runs app (in-process when no broker is configured: CELERY_TASK_ALWAYS_EAGER)."""

from celery import shared_task


@shared_task(acks_late=True)
def dispatch_run(run_pk: int) -> None:
    """Ask the three miners to start a recorded run; a refusal fails the run with its reason."""
    from .actions import send_to_miners

    send_to_miners(run_pk)
