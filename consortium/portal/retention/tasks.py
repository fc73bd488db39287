"""Celery tasks of retention (in-process when no broker is configured), and the functions that schedule
them. In production Celery beat runs `purge_expired_shares` every hour (CELERY_BEAT_SCHEDULE); without beat
(the embedded default) `manage.py purge_expired_shares` does the same from cron."""

from functools import partial

from celery import shared_task
from django.db import transaction

from . import actions


@shared_task
def purge_expired_shares() -> dict:
    """Delete the shares due (SHARE_RETENTION_DAYS after publication); ask unconfirmed miners again."""
    return actions.purge_due()


@shared_task(acks_late=True)
def purge_period_shares(period_pk: int) -> None:
    actions.purge(period_pk)


def request_deletion(period, actor, request=None):
    """Staff delete a period's shares sooner than the retention period: recorded, then (once committed)
    the miners are asked. With tasks in-process their answers are recorded when this returns."""
    actions.check_may_delete(actor)
    period = actions.do_request_deletion(period, actor, request)
    transaction.on_commit(partial(purge_period_shares.delay, period.pk))
    return period


def retry(period, actor) -> None:
    """Ask the miners that have not confirmed again, now rather than at the next task run."""
    actions.check_may_delete(actor)
    transaction.on_commit(partial(purge_period_shares.delay, period.pk))
