"""The miners' analysis benchmark (`python -m miners.bench_analysis`) may not import the portal, so it
keeps a copy of the annual defaults and of the request's shape: here they are held to the portal's."""

import datetime as dt

from consortium.portal.periods.indicator_sets import default_indicators
from consortium.portal.runs import plan
from miners import bench_analysis
from tests.portal.fake_miners import make_member, make_period, make_submission

ENDS = [dt.date(2024, 12, 31), dt.date(2025, 12, 31), dt.date(2026, 12, 31)]


def test_the_benchmark_uses_the_portals_annual_defaults():
    assert bench_analysis.ANNUAL == [(d["code"], d["lo"], d["hi"]) for d in default_indicators("annual")]
    assert bench_analysis.RATIO == (plan.RATIO_NAME, plan.RATIO_NUMERATOR, plan.RATIO_DENOMINATOR)
    assert bench_analysis.SERIES_PERIODS == plan.TIME_SERIES_PERIODS


def test_the_benchmarks_request_is_the_one_the_portal_builds(db):
    periods = [make_period(f"{end.year}", end, kind="annual", indicators=default_indicators("annual"))
               for end in ENDS]
    for k in range(2):
        company, user = make_member(f"Member {k}")
        for period in periods:
            make_submission(company, user, period)
    portal = plan.build_request(periods[-1], "00000000-0000-0000-0000-000000000000")
    table = bench_analysis.figures(2, seed=1)
    bench = bench_analysis.run_request(table, bench_analysis.submission_ids(table), 2)

    def shape(request):
        ids = {"rows", "periods"}  # submission ids and period keys differ; their layout is checked below
        return request["ring"], [{k: v for k, v in a.items() if k not in ids} for a in request["analyses"]]

    assert shape(bench) == shape(portal)
    for mine, theirs in zip(bench["analyses"], portal["analyses"], strict=True):
        if theirs["kind"] == "time_series":
            assert len(mine["rows"]) == len(theirs["rows"]) == len(mine["periods"]) == 3
            assert mine["rows"][-1] == bench["columns"]  # the key period's row is the columns
    assert sorted(bench) == sorted(portal)
