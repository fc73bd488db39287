"""`manage.py doctor [--json]`: what is wrong with this miner, one line each, and what to do. Exit status 1
when there is a problem (warnings alone: 0)."""

import json

from django.core.management.base import BaseCommand

from miners.doctor.report import as_json, as_text, run_all, summary
from miners.doctor.result import PROBLEM


class Command(BaseCommand):
    requires_system_checks = []  # the doctor reports them as its first line instead of refusing to run
    help = ("Check this miner's set-up: configuration, database, Redis, worker, portal, each peer (an "
            "authenticated handshake), versions, clocks, disk space, TLS certificate.")

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="one JSON object, for programs")

    def handle(self, *args, **options):
        results = run_all()
        self.stdout.write(json.dumps(as_json(results), indent=1) if options["json"] else as_text(results))
        if summary(results)["status"] == PROBLEM:
            raise SystemExit(1)
