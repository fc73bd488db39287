"""The analysis benchmark's own parts (`miners.bench_analysis`): its figures, the miners' shares of them,
its plaintext reference and its check, on a small run of the real computation in one process."""

import pytest

from miners import bench_analysis as bench
from miners.runs import computation
from mpc_engine.ring import ring_for
from mpc_engine.runner import run_local


@pytest.fixture(scope="module")
def small_run():
    table = bench.figures(40, seed=3)
    sids = bench.submission_ids(table)
    request = bench.run_request(table, sids, 40)
    args = [(request, bench.party_inputs(table, sids, 3, i)) for i in range(3)]
    result = run_local(computation.program, args, ring=ring_for(64), timeout=60)
    outputs = [{"outputs": [computation.encode_output(e) for e in result.outputs[i]]} for i in range(3)]
    return table, request, outputs


def test_the_figures_have_what_a_real_period_has():
    table = bench.figures(400, seed=1)
    rows = [r for r in table.values() if r is not None]
    values = [v for r in rows for v in r.values()]
    assert None in table.values()  # a company without an earlier submission
    assert None in values  # empty fields
    assert any(v is not None and not lo <= v <= hi for r in rows for (code, lo, hi) in bench.ANNUAL
               for v in [r[code]])  # rejected values
    assert any(r["employees"] == 0 for r in rows)  # no ratio for them


def test_the_computation_of_the_benchmark_passes_its_check(small_run):
    table, request, outputs = small_run
    kinds = [a["kind"] for a in request["analyses"]]
    assert kinds == ["sorted_indicator"] * 7 + ["ratio"] + ["time_series"] * 7
    assert bench.check(bench.reconstructed(outputs, request), bench.expected(table, request)) == []


def test_the_check_finds_a_wrong_value(small_run):
    table, request, outputs = small_run
    want = bench.expected(table, request)
    want[0]["values"] = want[0]["values"].copy()
    want[0]["values"][-1] += 1
    want[8]["rejected"] = [r + 1 for r in want[8]["rejected"]]
    wrong = bench.check(bench.reconstructed(outputs, request), want)
    assert [w.split(":")[0] for w in wrong] == ["analysis 0", "analysis 8"]
