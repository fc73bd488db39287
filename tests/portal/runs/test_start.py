"""Starting a run: what the miners are asked (docs/api.md section 4), who may ask, and when."""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied

from consortium.portal.accounts.models import AuditEvent
from consortium.portal.periods.indicator_sets import default_indicators
from consortium.portal.runs import actions, tasks
from consortium.portal.runs.models import AnalysisRun
from tests.portal.fake_miners import make_member, make_period, make_submission

ENDS = [dt.date(2025, 6, 30), dt.date(2025, 12, 31), dt.date(2026, 6, 30)]


@pytest.fixture
def members(db):
    return [make_member(f"Member {k}") for k in range(4)]


def test_it_names_the_latest_complete_submission_of_each_company(fake, members, staff_user):
    period = make_period("2026 H1", ENDS[-1])
    (a, ua), (b, ub), (c, uc), (d, ud) = members
    make_submission(a, ua, period, minutes_ago=30)
    latest_a = make_submission(a, ua, period, minutes_ago=10)
    make_submission(a, ua, period, state="pending")  # newer, never completed
    make_submission(b, ub, period, state="failed")
    latest_c = make_submission(c, uc, period, minutes_ago=20)
    make_submission(d, ud, make_period("Other", ENDS[0]))  # another period

    run = tasks.start_run(period, staff_user)

    want = [str(latest_a.submission_id), str(latest_c.submission_id)]
    assert sorted(run.request["columns"]) == sorted(want)
    assert run.request["columns"] == sorted(run.request["columns"])  # order says nothing about companies
    assert run.request["period"] == period.pk and run.request["run_id"] == str(run.run_id)
    assert all(fake.runs[i][str(run.run_id)] == run.request for i in range(3))


def test_it_asks_a_sorted_indicator_per_indicator_and_the_ratio(fake, members, staff_user):
    period = make_period("2026 H1", ENDS[-1])
    make_submission(*members[0], period)
    run = tasks.start_run(period, staff_user)
    analyses = run.request["analyses"]
    assert analyses[:4] == [
        {"kind": "sorted_indicator", "indicator": "total_return", "lo": 0, "hi": 10**6, "descending": False},
        {"kind": "sorted_indicator", "indicator": "employees", "lo": 0, "hi": 10_000, "descending": False},
        {"kind": "sorted_indicator", "indicator": "export_share", "lo": 0, "hi": 1000, "descending": False},
        {"kind": "sorted_indicator", "indicator": "added_value", "lo": -10**6, "hi": 10**6,
         "descending": False},
    ]
    assert analyses[4] == {"kind": "ratio", "name": "added_value_per_employee", "numerator": "added_value",
                           "denominator": "employees", "num_lo": -10**6, "num_hi": 10**6, "den_lo": 0,
                           "den_hi": 10_000, "frac_bits": 0}
    assert len(analyses) == 5  # no earlier period: no time series


def test_without_both_figures_there_is_no_ratio(fake, members, staff_user):
    period = make_period("2026 H1", ENDS[-1], indicators=[dict(code="employees", name="E", lo=0, hi=9)])
    make_submission(*members[0], period)
    run = tasks.start_run(period, staff_user)
    assert [a["kind"] for a in run.request["analyses"]] == ["sorted_indicator"]


def test_time_series_rows_are_aligned_by_company_with_nulls(fake, members, staff_user):
    periods = [make_period(f"P{k}", end) for k, end in enumerate(ENDS)]
    make_period("Open one", dt.date(2025, 9, 30), state="open")  # not closed: not in the series
    make_period("Annual", dt.date(2025, 12, 31), kind="annual")  # another kind
    (a, ua), (b, ub), (c, uc), _ = members
    sub = {}
    for p, period in enumerate(periods):
        sub[("a", p)] = make_submission(a, ua, period)
        if p != 1:
            sub[("b", p)] = make_submission(b, ub, period)
    sub[("c", 2)] = make_submission(c, uc, periods[2])

    run = tasks.start_run(periods[-1], staff_user)

    series = [x for x in run.request["analyses"] if x["kind"] == "time_series"]
    assert [s["indicator"] for s in series] == ["total_return", "employees", "export_share", "added_value"]
    columns = run.request["columns"]
    company_of = {str(sub[(name, 2)].submission_id): name for name in "abc"}
    for s in series:
        assert s["periods"] == [p.pk for p in periods]
        assert s["rows"][-1] == columns
        for column, sid in enumerate(columns):
            name = company_of[sid]
            got = [row[column] for row in s["rows"]]
            want = [str(sub[(name, p)].submission_id) if (name, p) in sub else None for p in range(3)]
            assert got == want


def test_the_ring_is_32_bits_unless_a_range_needs_64(fake, members, staff_user):
    small = make_period("Small", ENDS[0])
    make_submission(*members[0], small)
    assert tasks.start_run(small, staff_user).request["ring"] == 32
    euros = make_period("Euros", ENDS[1], indicators=default_indicators("semi_annual"))
    make_submission(*members[0], euros)
    assert tasks.start_run(euros, staff_user).request["ring"] == 64


@pytest.mark.parametrize("persona", ["rep_a", "board_user"])
def test_only_staff_start_a_run(fake, members, persona, request):
    period = make_period("2026 H1", ENDS[-1])
    make_submission(*members[0], period)
    with pytest.raises(PermissionDenied):
        tasks.start_run(period, request.getfixturevalue(persona))
    assert not AnalysisRun.objects.exists() and not fake.runs[0]


@pytest.mark.parametrize("state", ["draft", "open"])
def test_only_a_closed_period_is_analysed(fake, members, staff_user, state):
    period = make_period("2026 H1", ENDS[-1], state=state)
    make_submission(*members[0], period)
    with pytest.raises(actions.RunError, match="closed"):
        tasks.start_run(period, staff_user)
    assert not AnalysisRun.objects.exists()


def test_a_period_without_complete_submissions_is_refused(fake, members, staff_user):
    period = make_period("2026 H1", ENDS[-1])
    make_submission(*members[0], period, state="failed")
    with pytest.raises(actions.RunError, match="complete submission"):
        tasks.start_run(period, staff_user)


def test_a_second_run_waits_for_the_first(fake, members, staff_user):
    period = make_period("2026 H1", ENDS[-1])
    make_submission(*members[0], period)
    tasks.start_run(period, staff_user)
    with pytest.raises(actions.RunError, match="already in progress"):
        tasks.start_run(period, staff_user)


def test_starting_is_audited_without_figures(fake, members, staff_user):
    period = make_period("2026 H1", ENDS[-1])
    make_submission(*members[0], period)
    run = tasks.start_run(period, staff_user)
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.ANALYSIS_STARTED)
    assert event.actor == staff_user
    assert event.detail == {"run": str(run.run_id), "period": period.pk, "companies": 1}


@pytest.mark.parametrize("trouble, why", [("down", "Miner 3 did not accept the run (connection refused)"),
                                          ("refusing", "Miner 3 did not accept the run (HTTP 503)")])
def test_a_miner_that_is_down_or_refuses_fails_the_run_naming_it(fake, members, staff_user, trouble, why):
    getattr(fake, trouble).add(2)
    period = make_period("2026 H1", ENDS[-1])
    make_submission(*members[0], period)
    run = tasks.start_run(period, staff_user)
    assert run.state == AnalysisRun.State.FAILED
    assert run.reason == why
    failed = AuditEvent.objects.get(kind=AuditEvent.Kind.ANALYSIS_FAILED)
    assert failed.detail["reason"] == run.error and run.error.startswith("not_accepted:2:")


def test_a_miner_that_knows_the_run_id_otherwise_is_reported(fake, members, staff_user, monkeypatch):
    period = make_period("2026 H1", ENDS[-1])
    make_submission(*members[0], period)
    known = uuid.UUID(int=7)
    monkeypatch.setattr(actions.uuid, "uuid4", lambda: known)
    fake.runs[1][str(known)] = {"run_id": str(known), "columns": []}
    run = tasks.start_run(period, staff_user)
    assert run.state == AnalysisRun.State.FAILED
    assert "Miner 2 refused the run" in run.reason


def test_a_failed_run_restarts_as_a_new_run(fake, members, staff_user):
    fake.down.add(0)
    period = make_period("2026 H1", ENDS[-1])
    make_submission(*members[0], period)
    failed = tasks.start_run(period, staff_user)
    fake.down.clear()

    again = tasks.restart_run(failed, staff_user)

    assert again.pk != failed.pk and again.run_id != failed.run_id
    assert again.state == AnalysisRun.State.RUNNING
    assert again.request["columns"] == failed.request["columns"]
    started = AuditEvent.objects.filter(kind=AuditEvent.Kind.ANALYSIS_STARTED).order_by("at", "pk").last()
    assert started.detail["restarted_from"] == str(failed.run_id)


def test_only_a_failed_run_restarts(fake, members, staff_user, rep_a):
    period = make_period("2026 H1", ENDS[-1])
    make_submission(*members[0], period)
    run = tasks.start_run(period, staff_user)
    with pytest.raises(actions.RunError, match="failed"):
        tasks.restart_run(run, staff_user)
    with pytest.raises(PermissionDenied):
        tasks.restart_run(run, rep_a)


def test_a_ratio_that_would_overflow_the_ring_is_refused_before_anything_is_sent(fake, members, staff_user,
                                                                                   monkeypatch):
    period = make_period("2026 H1", ENDS[-1])
    make_submission(*members[0], period)
    build = actions.plan.build_request

    def with_fraction_bits(*args, **kwargs):
        body = build(*args, **kwargs)
        for analysis in body["analyses"]:
            if analysis["kind"] == "ratio":
                analysis["frac_bits"] = 64  # no numerator range fits that
        return body

    monkeypatch.setattr(actions.plan, "build_request", with_fraction_bits)
    with pytest.raises(actions.RunError, match="would overflow"):
        tasks.start_run(period, staff_user)
    assert not AnalysisRun.objects.exists() and fake.runs == [{}, {}, {}]
