"""`manage.py demo setup|analyse|status`: what `make demo`, `make serve` and the system tests ask the
portal for, each answer one JSON object on standard output.

    setup --companies N --periods P --password PW   accounts (a representative per company, a staff
                                                    member, a board member) and P open annual periods
    analyse --periods ID [ID ...]                   close those periods, start the run of the last one
    status --run RUN_ID                             the run's state, progress, reason and stored results
    restart --run RUN_ID                            start a failed run again
    report --run RUN_ID --out FILE                  the run's drafted report as Excel, and a summary

Development machines only (DEPLOYMENT_ENV=dev): it makes accounts with a password given on the command line.
"""

import datetime as dt
import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from consortium.portal.accounts.models import Company, Role, User
from consortium.portal.periods.actions import do_close_period, do_create_period, do_open_period
from consortium.portal.periods.models import CollectionPeriod
from consortium.portal.reports import content, excel
from consortium.portal.reports.models import Report
from consortium.portal.runs.models import AnalysisRun
from consortium.portal.runs.tasks import restart_run, start_run

STAFF, BOARD = "demo-staff", "demo-board"


def representative(k: int) -> str:
    return f"demo-rep-{k:03d}"


class Command(BaseCommand):
    help = "A demo consortium and staff's steps (development machines only); answers in JSON."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="step", required=True)
        setup = sub.add_parser("setup")
        setup.add_argument("--companies", type=int, default=100)
        setup.add_argument("--periods", type=int, default=3)
        setup.add_argument("--password", required=True)
        analyse = sub.add_parser("analyse")
        analyse.add_argument("--periods", type=int, nargs="+", required=True)
        status = sub.add_parser("status")
        status.add_argument("--run", required=True)
        restart = sub.add_parser("restart")
        restart.add_argument("--run", required=True)
        report = sub.add_parser("report")
        report.add_argument("--run", required=True)
        report.add_argument("--out", required=True, help="where to write the Excel file")

    def handle(self, *args, step, **options):
        if settings.DEPLOYMENT_ENV != "dev":
            raise CommandError("the demo runs on a development machine only (DEPLOYMENT_ENV=dev)")
        answer = getattr(self, f"_{step}")(**options)
        self.stdout.write(json.dumps(answer))

    @transaction.atomic
    def _setup(self, companies, periods, password, **_):
        if not 1 <= companies <= 10_000 or not 1 <= periods <= 10:
            raise CommandError("--companies 1..10000 and --periods 1..10")
        if User.objects.filter(username=STAFF).exists():
            raise CommandError("this portal already has the demo consortium; start from an empty database")
        hashed = make_password(password)  # once: Argon2 is slow on purpose, and every account has it
        staff = _user(STAFF, Role.STAFF, hashed)
        _user(BOARD, Role.BOARD, hashed)
        members = []
        for k in range(companies):
            company = Company.objects.create(name=f"Demo company {k + 1:03d}", registry_code=f"DEMO{k:05d}")
            _user(representative(k), Role.REPRESENTATIVE, hashed, company=company)
            members.append({"username": representative(k), "company": company.name})
        year = dt.date.today().year - periods
        made = []
        for p in range(periods):
            y = year + p
            period = do_create_period(f"{y}", "annual", dt.date(y, 1, 1), dt.date(y, 12, 31), actor=staff)
            period = do_open_period(period, staff)
            made.append({"id": period.pk, "name": period.name, "ring": period.ring_bits})
        return {"periods": made, "members": members, "staff": STAFF, "board": BOARD}

    def _analyse(self, periods, **_):
        staff = User.objects.get(username=STAFF)
        chosen = list(CollectionPeriod.objects.filter(pk__in=periods).order_by("ends_on"))
        if len(chosen) != len(set(periods)):
            raise CommandError("unknown period id")
        for period in chosen:
            if period.state == CollectionPeriod.State.OPEN:
                do_close_period(period, staff)
        run = start_run(chosen[-1], staff)
        return {"run": str(run.run_id), "state": run.state}

    def _restart(self, run, **_):
        again = restart_run(_run(run), User.objects.get(username=STAFF))
        return {"run": str(again.run_id), "state": again.state}

    def _report(self, run, out, **_):
        report = Report.objects.filter(run=_run(run)).first()
        if report is None:
            raise CommandError("the run has no report (it has not finished)")
        built = content.build(report, User.objects.get(username=STAFF))
        Path(out).write_bytes(excel.workbook_bytes(report, built))
        sections = [{"name": str(s.name), "unit": s.unit, "count": s.count, "published": s.published,
                     "median": s.summary.median if s.summary else None}
                    for s in built.sections]
        series = [{"name": str(s.name), "lines": len(s.rows), "published": s.published}
                  for s in built.time_series]
        return {"file": str(out), "name": excel.file_name(report), "sections": sections, "series": series}

    def _status(self, run, **_):
        found = _run(run)
        steps = {s.miner: {"state": s.state, "progress": s.progress, "step": s.step}
                 for s in found.miner_states.all()}
        return {"state": found.state, "progress": found.progress,
                "reason": found.reason if found.error else "", "miners": steps,
                "request": found.request, "results": found.results}


def _run(run_id) -> AnalysisRun:
    found = AnalysisRun.objects.filter(run_id=run_id).first()
    if found is None:
        raise CommandError("unknown run")
    return found


def _user(username, role, hashed_password, company=None):
    return User.objects.create(username=username, role=role, company=company, password=hashed_password)
