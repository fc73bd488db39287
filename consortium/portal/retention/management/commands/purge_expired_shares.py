"""`manage.py purge_expired_shares`: what Celery beat runs every hour, for a portal without beat (the
embedded default): run it from cron, e.g. `17 * * * *`. Prints {"requested": [...], "unconfirmed": [...]}
(period ids); exits with status 1 when a miner has not confirmed a deletion (it is asked again next time)."""

import json

from django.core.management.base import BaseCommand, CommandError

from consortium.portal.retention.actions import purge_due


class Command(BaseCommand):
    help = ("Delete at the miners the shares of every period whose report was published SHARE_RETENTION_DAYS "
            "ago, and ask miners that have not confirmed an earlier deletion again.")

    def handle(self, *args, **options):
        done = purge_due()
        self.stdout.write(json.dumps(done))
        if done["unconfirmed"]:
            raise CommandError(f"a miner has not confirmed the deletion of the shares of period(s) "
                               f"{', '.join(map(str, done['unconfirmed']))}: see each period's status page")
