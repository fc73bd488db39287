"""Demo data for the browser tests and the screenshot tour: a consortium as its people see it.

`build()` creates eight member companies (one representative, Anna, of the first), a staff member
and a board member with TOTP devices, three closed semi-annual periods with complete submissions,
one open period (Anna has a failed then a complete attempt), a finished analysis of each closed
period (a published report for 2025 H1, a draft for 2025 H2), a failed run, and a run in progress.
`FakeMinerHosts` answers the portal's calls to the three miners (health, progress) without a network.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from dataclasses import dataclass, field

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from consortium.contract import library
from consortium.portal.accounts.actions import do_create_user
from consortium.portal.accounts.models import Company, Role
from consortium.portal.minerlink import client as miner_client
from consortium.portal.periods.indicator_sets import default_indicators
from consortium.portal.periods.models import CollectionPeriod, IndicatorDefinition
from consortium.portal.reports.actions import do_create_report, do_publish, do_update_notes
from consortium.portal.runs.models import AnalysisRun, MinerRunState

from .conftest import PASSWORD
from .fake_miners import make_submission

COMPANIES = ["Alpha Metall AS", "Beta Puit OÜ", "Gamma Plast AS", "Delta Masinad OÜ", "Epsilon Tekstiil AS",
             "Zeta Elektroonika OÜ", "Eta Mööbel AS", "Theta Toit OÜ"]

# Sorted values per indicator, as the miners would reconstruct them (no company attached).
EMPLOYEES = [12, 18, 25, 31, 47, 64, 88, 140]
TOTAL_RETURN = [850_000, 1_420_000, 2_310_000, 3_050_000, 4_800_000, 6_900_000, 9_750_000, 18_400_000]
EXPORT = [0, 85, 210, 365, 480, 620, 745, 910]  # per mille (one decimal place of a percentage)
ADDED = [-120_000, 310_000, 540_000, 880_000, 1_250_000, 1_900_000, 2_600_000]  # 7 of 8 reported it
SERIES = [[10, 17, 22, 30, 45, 60, 81, 131], [11, 18, 24, 29, 46, 62, 85, 136], EMPLOYEES]
RATIO = [-3_900, 17_200, 21_600, 26_600, 28_400, 29_500, 29_700]  # euros per employee


@dataclass
class Demo:
    rep: object
    staff: object
    board: object
    open_period: CollectionPeriod
    published: object  # Report
    draft: object  # Report
    done_run: AnalysisRun
    failed_run: AnalysisRun
    running_run: AnalysisRun
    companies: list = field(default_factory=list)


class FakeMinerHosts:
    """The three miners behind `minerlink.client.request_json`: healthy, reporting progress."""

    def __init__(self):
        self.progress = [{"state": "running", "progress": p, "step": "sorting", "error": ""}
                         for p in (0.62, 0.58, 0.6)]

    def install(self, monkeypatch, settings) -> FakeMinerHosts:
        settings.MINERS = [{"url": f"https://miner{i}.example.org", "secret": secrets.token_urlsafe(32),
                            "public_key": base64.b64encode(secrets.token_bytes(32)).decode()}
                           for i in range(3)]
        monkeypatch.setattr(miner_client, "request_json", self.request_json)
        return self

    def request_json(self, i, method, path, body=None, *, auth=False, timeout=None):
        if path == "/api/health":
            peers = {str(j): "ok" for j in range(3) if j != i}
            return {"status": "ok", "miner_index": i, "peers": peers, "version": "1.0.0",
                    "sharing_library_sha256": library.shipped_sha256()}  # the portal's own, as they should
        if method == "GET" and path.startswith("/api/runs/"):
            return dict(self.progress[i])
        raise miner_client.MinerError("HTTP 404")


def _user(username, role, first, last, company=None, device=False):
    user = do_create_user(username, PASSWORD, role, company=company, first_name=first, last_name=last)
    if device:
        TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def _period(name, starts_on, ends_on, state):
    opened = timezone.make_aware(dt.datetime.combine(ends_on, dt.time(9))) - dt.timedelta(days=30)
    closed = None if state == "open" else opened + dt.timedelta(days=60)
    period = CollectionPeriod.objects.create(name=name, kind="semi_annual", starts_on=starts_on,
                                             ends_on=ends_on, state=state, opened_at=opened, closed_at=closed)
    IndicatorDefinition.objects.bulk_create(IndicatorDefinition(period=period, position=pos, **spec)
                                            for pos, spec in enumerate(default_indicators("semi_annual")))
    return period


def _results(periods) -> dict:
    def column(values, rejected=0):
        return {"values": values, "count": len(values), "rejected": rejected}

    return {
        "ring": 64,
        "indicators": {"total_return": column(TOTAL_RETURN), "employees": column(EMPLOYEES, 1),
                       "export_share": column(EXPORT), "added_value": column(ADDED)},
        "ratios": {"added_value_per_employee": {**column([v * 1024 for v in RATIO]), "frac_bits": 10}},
        "time_series": {"employees": {
            "periods": [p.pk for p in periods],
            "rows": SERIES[-len(periods):], "count": len(EMPLOYEES), "rejected": [0, 1, 0][-len(periods):]}},
    }


RATIO_REQUEST = {"analyses": [{"kind": "ratio", "name": "added_value_per_employee",
                               "numerator": "added_value", "denominator": "employees"}]}


def _run(period, staff, state, *, minutes_ago, results=None, error="", miners=("done",) * 3, progress=1.0):
    started = timezone.now() - dt.timedelta(minutes=minutes_ago)
    finished = None if state == "running" else started + dt.timedelta(minutes=4)
    run = AnalysisRun.objects.create(period=period, started_by=staff, state=state, results=results,
                                     error=error, request=RATIO_REQUEST, finished_at=finished)
    AnalysisRun.objects.filter(pk=run.pk).update(created_at=started)
    steps = {"done": "finished", "failed": "", "running": "sorting", "queued": ""}
    for i, miner_state in enumerate(miners):
        MinerRunState.objects.create(run=run, miner=i, state=miner_state, step=steps[miner_state],
                                     progress=progress if miner_state != "queued" else 0.0,
                                     error="connection refused" if miner_state == "failed" else "")
    run.refresh_from_db()
    return run


def _attempt(company, user, period, *, state="complete", minutes_ago=0):
    """A submission attempt started two minutes before it completed (or failed)."""
    submission = make_submission(company, user, period, state=state, minutes_ago=minutes_ago)
    started = timezone.now() - dt.timedelta(minutes=minutes_ago + 2)
    type(submission).objects.filter(pk=submission.pk).update(created_at=started)
    return submission


def build() -> Demo:
    companies = [Company.objects.create(name=name, registry_code=f"1{n:07d}") for n, name in
                 enumerate(COMPANIES, start=1)]
    rep = _user("anna", Role.REPRESENTATIVE, "Anna", "Tamm", company=companies[0])
    others = [do_create_user(f"rep{n}", None, Role.REPRESENTATIVE, company=c, first_name="Rep",
                             last_name=str(n)) for n, c in enumerate(companies[1:], start=2)]
    staff = _user("sofia", Role.STAFF, "Sofia", "Kask", device=True)
    board = _user("boris", Role.BOARD, "Boris", "Mets", device=True)

    older = _period("2024 H2", dt.date(2024, 7, 1), dt.date(2024, 12, 31), "closed")
    h1 = _period("2025 H1", dt.date(2025, 1, 1), dt.date(2025, 6, 30), "closed")
    h2 = _period("2025 H2", dt.date(2025, 7, 1), dt.date(2025, 12, 31), "closed")
    current = _period("2026 H1", dt.date(2026, 1, 1), dt.date(2026, 6, 30), "open")
    for period in (older, h1, h2):
        for company, user in zip(companies, [rep, *others], strict=True):
            _attempt(company, user, period, minutes_ago=60 * 24 * (30 + 180 * (h2.pk - period.pk)))
    failed = _attempt(companies[0], rep, current, state="failed", minutes_ago=90)
    failed.failure_reason = "missing:2"
    failed.save(update_fields=["failure_reason"])
    for company, user in list(zip(companies, [rep, *others], strict=True))[:5]:
        _attempt(company, user, current, minutes_ago=30)

    published_run = _run(h1, staff, "done", minutes_ago=60 * 24 * 60, results=_results([older, h1]))
    published = do_create_report(published_run)
    do_update_notes(published, board, "Export grew for most members this half-year.\n"
                                      "Thank you to every company that took part.")
    published = do_publish(published, board)

    failed_run = _run(h2, staff, "failed", minutes_ago=60 * 3, error="not_accepted:2:connection refused",
                      miners=("done", "done", "failed"), progress=0.35)
    done_run = _run(h2, staff, "done", minutes_ago=60 * 2, results=_results([older, h1, h2]))
    draft = do_create_report(done_run)
    # A late analysis of the oldest period, under way: the progress page as staff watch it.
    running_run = _run(older, staff, "running", minutes_ago=1, miners=("running", "running", "running"),
                       progress=0.6)
    return Demo(rep=rep, staff=staff, board=board, open_period=current, published=published, draft=draft,
                done_run=done_run, failed_run=failed_run, running_run=running_run, companies=companies)
