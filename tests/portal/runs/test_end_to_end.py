"""A whole run: members' figures secret-shared, three (fake) miners computing with the real MPC
engine, signed output shares reconstructed by the portal, results equal to plaintext numpy; the
values of a small cohort (fewer than PUBLICATION_MIN_VALUES) are never stored."""

import datetime as dt

import numpy as np
import pytest
from django.urls import reverse

from consortium.portal.accounts.models import AuditEvent
from consortium.portal.reports import content
from consortium.portal.runs import plan, tasks
from consortium.portal.runs.models import AnalysisRun, MinerRunState
from tests.portal.fake_miners import SMALL_INDICATORS, make_member, make_period, make_submission

BOUNDS = {d["code"]: (d["lo"], d["hi"]) for d in SMALL_INDICATORS}
CODES = list(BOUNDS)
ENDS = [dt.date(2025, 6, 30), dt.date(2025, 12, 31), dt.date(2026, 6, 30)]


def random_figures(rng, n):
    """n companies' figures per code, with a few not submitted (None) and a few out of range."""
    figures = []
    for _ in range(n):
        row = {code: int(rng.integers(lo, hi + 1)) for code, (lo, hi) in BOUNDS.items()}
        row["employees"] = int(rng.integers(0, 50))  # zero sometimes: no ratio for that company
        figures.append(row)
    figures[0]["export_share"] = None
    figures[1]["employees"] = 20_000  # above hi: rejected inside MPC
    figures[2]["total_return"] = -5  # below lo
    return figures


@pytest.fixture
def world(db, fake):
    """Three closed semi-annual periods, six members; member 5 skipped the middle period,
    a seventh member submitted only in the first. Returns (periods, {company: [figures per period]})."""
    rng = np.random.default_rng(7)
    periods = [make_period(f"P{k}", end) for k, end in enumerate(ENDS)]
    make_period("Annual 2025", dt.date(2025, 12, 31), kind="annual")  # another kind: not in the series
    members = [make_member(f"Member {k}") for k in range(7)]
    figures = {}
    for p, period in enumerate(periods):
        rows = random_figures(rng, len(members))
        for k, (company, user) in enumerate(members):
            if (k == 5 and p == 1) or (k == 6 and p > 0):
                figures.setdefault(company.pk, []).append(None)
                continue
            stale = make_submission(company, user, period, minutes_ago=60)  # corrected later: not used
            fake.deposit(32, stale.submission_id, {c: 999 for c in CODES})
            s = make_submission(company, user, period, minutes_ago=5)
            fake.deposit(32, s.submission_id, rows[k])
            figures.setdefault(company.pk, []).append(rows[k])
    return periods, figures


def valid(code, value):
    lo, hi = BOUNDS[code]
    return value is not None and lo <= value <= hi


def expected(figures):
    current = [f[-1] for f in figures.values() if f[-1] is not None]
    out = {"indicators": {}, "time_series": {}}
    for code in CODES:
        values = [row[code] for row in current]
        kept = sorted(v for v in values if valid(code, v))
        out["indicators"][code] = {"values": kept, "count": len(kept), "suppressed": False,
                                   "rejected": sum(v is not None and not valid(code, v) for v in values)}
    ratios = [int(np.trunc(row["added_value"] / row["employees"])) for row in current
              if valid("added_value", row["added_value"]) and valid("employees", row["employees"])
              and row["employees"] != 0]
    rejected = sum(row[c] is not None and not valid(c, row[c]) for row in current
                   for c in ("added_value", "employees"))
    out["ratio"] = {"values": sorted(ratios), "count": len(ratios), "rejected": rejected, "suppressed": False}
    for code in CODES:
        columns = [tuple(row[code] if row is not None and valid(code, row[code]) else None for row in per)
                   for per in figures.values() if per[-1] is not None]
        kept = [c for c in columns if c[-1] is not None]
        rejected = [sum(1 for per in figures.values() if per[-1] is not None and per[p] is not None
                        and per[p][code] is not None and not valid(code, per[p][code])) for p in range(3)]
        out["time_series"][code] = {"columns": kept, "rejected": rejected}
    return out


def test_it_reconstructs_what_plaintext_numpy_computes(world, fake, staff_user, client, settings):
    settings.PUBLICATION_MIN_VALUES = 1  # every value kept, to compare them all
    periods, figures = world
    run = tasks.start_run(periods[-1], staff_user)
    assert run.state == AnalysisRun.State.RUNNING

    answers = fake.push(client, run.run_id)

    assert [a.status_code for a in answers] == [202, 202, 202]
    run.refresh_from_db()
    assert run.state == AnalysisRun.State.DONE, run.error
    want = expected(figures)
    results = run.results
    assert results["ring"] == 32
    assert results["indicators"] == want["indicators"]
    assert results["ratios"]["added_value_per_employee"] == {**want["ratio"], "frac_bits": 0}
    for code in CODES:
        series = results["time_series"][code]
        assert series["periods"] == [p.pk for p in periods]
        columns = list(zip(*series["rows"], strict=True))
        assert [c[-1] for c in columns] == sorted(c[-1] for c in want["time_series"][code]["columns"])
        assert sorted(columns, key=repr) == sorted(want["time_series"][code]["columns"], key=repr)
        assert series["count"] == len(columns)
        assert series["rejected"] == want["time_series"][code]["rejected"]
        assert (series["suppressed"], series["suppressed_rows"]) == (False, [])


def test_a_finished_run_is_audited_clears_its_shares_and_creates_the_draft_report(world, fake, staff_user,
                                                                                    client):
    periods, _ = world
    run = tasks.start_run(periods[-1], staff_user)
    fake.push(client, run.run_id)
    run.refresh_from_db()
    assert run.state == AnalysisRun.State.DONE
    assert not MinerRunState.objects.filter(run=run, outputs__isnull=False).exists()
    finished = AuditEvent.objects.get(kind=AuditEvent.Kind.ANALYSIS_FINISHED)
    assert finished.detail == {"run": str(run.run_id), "period": periods[-1].pk}
    assert run.report.period == periods[-1]  # consortium.portal.reports.actions.do_create_report ran


def test_a_repeated_push_of_the_same_outputs_is_harmless(world, fake, staff_user, client):
    periods, _ = world
    run = tasks.start_run(periods[-1], staff_user)
    outputs = fake.compute(run.run_id)
    first = fake.post(client, 0, run.run_id, "outputs", fake.sign(0, run.run_id, outputs[0]))
    again = fake.post(client, 0, run.run_id, "outputs", fake.sign(0, run.run_id, outputs[0]))
    assert (first.status_code, again.status_code) == (202, 202)
    run.refresh_from_db()
    assert run.state == AnalysisRun.State.RUNNING


def test_the_64_bit_ring_with_the_default_euro_ranges(db, fake, staff_user, client, settings):
    settings.PUBLICATION_MIN_VALUES = 1
    from consortium.portal.periods.indicator_sets import default_indicators

    period = make_period("Euros", ENDS[-1], indicators=default_indicators("semi_annual"))
    figures = [{"total_return": 9 * 10**11, "employees": 3, "export_share": 1000, "added_value": -7 * 10**10},
               {"total_return": 12, "employees": 0, "export_share": None, "added_value": 10**12},
               {"total_return": 5 * 10**9, "employees": 250, "export_share": 5, "added_value": 4 * 10**9}]
    for k, row in enumerate(figures):
        s = make_submission(*make_member(f"Member {k}"), period)
        fake.deposit(64, s.submission_id, row)
    run = tasks.start_run(period, staff_user)
    assert run.request["ring"] == 64
    fake.push(client, run.run_id)
    run.refresh_from_db()
    assert run.state == AnalysisRun.State.DONE, run.error
    assert run.results["ring"] == 64
    assert run.results["indicators"]["total_return"]["values"] == [12, 5 * 10**9, 9 * 10**11]
    assert run.results["indicators"]["added_value"]["values"] == [-7 * 10**10, 4 * 10**9, 10**12]
    assert run.results["indicators"]["export_share"] == {"values": [5, 1000], "count": 2, "rejected": 0,
                                                                 "suppressed": False}
    assert run.results["ratios"]["added_value_per_employee"]["values"] == [-23333333333, 16000000]


def test_a_small_cohort_is_stored_without_its_values(world, fake, staff_user, client, settings):
    settings.PUBLICATION_MIN_VALUES = 7  # the last period has only 6 members
    periods, figures = world
    run = tasks.start_run(periods[-1], staff_user)
    fake.push(client, run.run_id)
    run.refresh_from_db()
    assert run.state == AnalysisRun.State.DONE, run.error
    want = expected(figures)
    for code in CODES:
        stored, kept = run.results["indicators"][code], want["indicators"][code]
        assert stored["count"] == kept["count"] and stored["rejected"] == kept["rejected"]
        assert stored["count"] <= 6 and stored["values"] == [] and stored["suppressed"] is True
    ratio = run.results["ratios"]["added_value_per_employee"]
    assert ratio["values"] == [] and ratio["suppressed"] is True and ratio["count"] == want["ratio"]["count"]
    for code in CODES:
        series = run.results["time_series"][code]
        assert series["rows"] == [] and series["suppressed"] is True
        assert series["rejected"] == want["time_series"][code]["rejected"]


def test_the_draft_report_of_a_small_cohort_says_not_enough_values(world, fake, staff_user, board_user,
                                                                   client, client_for, settings):
    settings.PUBLICATION_MIN_VALUES = 7
    periods, figures = world
    run = tasks.start_run(periods[-1], staff_user)
    fake.push(client, run.run_id)
    run.refresh_from_db()
    shown = content.build(run.report, board_user)
    assert not any(s.published or s.values for s in shown.sections)
    assert not any(s.published or s.rows for s in shown.time_series)
    assert [s.count for s in shown.indicators] == [run.results["indicators"][s.code]["count"]
                                                   for s in shown.indicators]
    page = client_for(board_user).get(reverse("reports:detail", args=[run.report.pk])).content.decode()
    assert "Not enough values to publish" in page


def test_an_earlier_period_with_a_small_cohort_is_stored_blank(world, fake, staff_user, client, settings):
    periods, figures = world
    columns = expected(figures)["time_series"]["export_share"]["columns"]
    present = [sum(c[p] is not None for c in columns) for p in range(3)]
    assert present[1] < present[2]  # member 5 skipped the middle period
    settings.PUBLICATION_MIN_VALUES = present[2]
    run = tasks.start_run(periods[-1], staff_user)
    fake.push(client, run.run_id)
    run.refresh_from_db()
    series = run.results["time_series"]["export_share"]
    assert series["suppressed"] is False and 1 in series["suppressed_rows"]
    assert series["rows"][1] == [None] * len(columns)
    assert sum(v is not None for v in series["rows"][2]) == present[2]


def test_the_order_of_the_columns_changes_nothing_published_ties_included(db, fake, staff_user, client,
                                                                           monkeypatch, settings):
    """The portal chooses the columns' order and knows whose each column is: equal key values must not
    come out in that order, or the time series' lines would be linked to companies."""
    settings.PUBLICATION_MIN_VALUES = 1
    periods = [make_period(f"P{k}", end) for k, end in enumerate(ENDS)]
    members = [make_member(f"Member {k}") for k in range(6)]
    for p, period in enumerate(periods):
        for k, (company, user) in enumerate(members):
            figures = {code: 10 * k + p for code in CODES}  # earlier periods tell the companies apart
            figures["employees"] = 5 if p == 2 else 10 * k + p  # all tied in the key period
            s = make_submission(company, user, period, minutes_ago=5)
            fake.deposit(32, s.submission_id, figures)

    def results(order):
        build = tasks.actions.plan.build_request

        def reordered(*args, **kwargs):
            body = build(*args, **kwargs)
            body["columns"] = order(body["columns"])
            for analysis in body["analyses"]:
                if analysis["kind"] == "time_series":
                    analysis["rows"] = [order(row) for row in analysis["rows"]]
            return body

        with monkeypatch.context() as patch:
            patch.setattr(tasks.actions.plan, "build_request", reordered)
            run = tasks.start_run(periods[-1], staff_user)
        fake.push(client, run.run_id)
        run.refresh_from_db()
        assert run.state == AnalysisRun.State.DONE, run.reason
        return run.results

    def lines(r):
        return tuple(zip(*r["time_series"]["employees"]["rows"], strict=True))

    forward = [results(lambda xs: list(xs)) for _ in range(4)]
    backward = [results(lambda xs: list(reversed(xs))) for _ in range(4)]
    assert all(r["indicators"] == forward[0]["indicators"] for r in forward + backward)
    # the same lines every time, whatever the columns' order ...
    assert {frozenset(lines(r)) for r in forward + backward} == {frozenset(lines(forward[0]))}
    # ... and the tied lines' order is secret randomness, not the portal's order: one column order
    # does not give one output order (6 tied lines: 720 orders)
    assert len({lines(r) for r in forward}) > 1 and len({lines(r) for r in backward}) > 1


def test_an_earlier_row_that_a_leaver_would_tell_apart_is_stored_blank(world, fake, staff_user, client,
                                                                       settings):
    """Member 6 submitted in the first period only: that period's own report minus the series' first row
    would be member 6's figure, and member 5 (who skipped the middle period) is in the series' first row
    but not in the middle period's series: both differences are one company."""
    periods, figures = world
    assert plan.series_overlaps([p.pk for p in periods]) == [[(1, 0), (0, 1)], [(0, 0)]]
    settings.PUBLICATION_MIN_VALUES = 2
    run = tasks.start_run(periods[-1], staff_user)
    fake.push(client, run.run_id)
    run.refresh_from_db()
    for code in CODES:
        series = run.results["time_series"][code]
        assert 0 in series["suppressed_rows"] and series["rows"][0] == [None] * len(series["rows"][0])
