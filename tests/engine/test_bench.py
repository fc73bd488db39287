"""The benchmark script: its JSON report, its inputs, and that a wrong result cannot pass."""

import json

import numpy as np
import pytest

from mpc_engine import costs
from mpc_engine.bench import __main__ as cli
from mpc_engine.bench import jobs
from mpc_engine.bench.jobs import BenchCheckFailed, check, expected, make_inputs, measure_ours

REQUIRED = {"op", "n", "ring", "transport", "seconds", "rounds", "bytes_sent", "per_second",
            "timing", "machine", "check"}


@pytest.mark.parametrize("op", jobs.OPS)
def test_cli_prints_one_json_object_with_the_required_fields(op, capsys):
    assert cli.main(["--op", op, "--n", "100", "--transport", "local", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert REQUIRED <= report.keys()
    assert report["check"] == "passed" and report["n"] == 100 and report["op"] == op
    assert report["rounds"] >= 1 and report["bytes_sent"] > 0
    assert {"cores", "cpu_model", "python", "numpy"} <= report["machine"].keys()
    assert ("algorithm" in report) == (op == "sort")
    assert report["command"].startswith(f"python -m mpc_engine.bench --op {op} --n 100")


def test_memory_flag_reports_each_party_process_peak_rss(capsys):
    assert cli.main(["--op", "mul", "--n", "1000", "--transport", "tcp", "--memory", "--json"]) == 0
    peaks = json.loads(capsys.readouterr().out)["peak_rss_mib_per_party"]
    assert len(peaks) == 3 and all(10 < p < 2048 for p in peaks)  # a numpy process: tens of MiB
    assert cli.main(["--op", "mul", "--n", "10", "--transport", "tcp", "--json"]) == 0
    assert "peak_rss_mib_per_party" not in json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("bits", [32, 64])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 37])
@pytest.mark.parametrize("op", jobs.OPS)
def test_every_op_reveals_what_numpy_computes(op, n, bits):
    m = measure_ours(op, n, bits, seed=n + bits)
    assert m.output.shape == (n,)


def test_a_wrong_reference_makes_the_run_fail():
    def off_by_one(op, inputs):
        return expected(op, inputs) + 1

    with pytest.raises(BenchCheckFailed, match="100 of 100 results wrong"):
        measure_ours("mul", 100, reference=off_by_one)


def test_check_catches_a_single_wrong_element_and_a_wrong_length():
    inputs = make_inputs("lt", 50, 32, seed=7)
    good = expected("lt", inputs)
    check("lt", inputs, good)
    bad = good.copy()
    bad[49] ^= 1
    with pytest.raises(BenchCheckFailed, match="1 of 50 results wrong .first at index 49"):
        check("lt", inputs, bad)
    with pytest.raises(BenchCheckFailed, match="shape"):
        check("lt", inputs, good[:-1])


def test_mul_lt_and_div_cost_what_their_cost_functions_state():
    n = 100
    for op, bits, want in [("mul", 32, costs.mul_cost(n)), ("lt", 32, costs.lt_cost(n, 32)),
                           ("lt", 64, costs.lt_cost(n, 64)), ("div", 32, costs.div_cost(n, 32))]:
        m = measure_ours(op, n, bits)  # the maximum over the parties: party 0's bytes
        assert (m.rounds, m.bytes_sent) == (want.rounds, want.per_party_bytes(bits)[0]), (op, bits)
    assert costs.lt_cost(n, 32).rounds == 8 and costs.mul_cost(n).rounds == 1


def test_tcp_run_counts_the_same_rounds_and_bytes_as_local():
    local = measure_ours("eq", 100, 32, transport="local")
    tcp = measure_ours("eq", 100, 32, transport="tcp", timeout=60)
    assert (tcp.rounds, tcp.bytes_sent) == (local.rounds, local.bytes_sent)
    assert tcp.as_json()["transport"] == "tcp"


@pytest.mark.parametrize("bits", [32, 64])
def test_inputs_hold_edge_values_equal_pairs_and_repeated_sort_keys(bits):
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    x, y = make_inputs("lt", 1000, bits, seed=3)
    pairs = set(zip(x[:25].tolist(), y[:25].tolist(), strict=True))
    assert {(lo, hi), (hi, lo), (0, -1), (-1, 0), (hi, hi)} <= pairs
    x, y = make_inputs("eq", 1000, bits, seed=3)
    assert 300 < int(np.count_nonzero(x == y)) < 700
    (keys,) = make_inputs("sort", 1000, bits, seed=3)
    assert len(np.unique(keys)) < 700 and {lo, hi, 0} <= set(keys.tolist())
    assert np.array_equal(make_inputs("mul", 64, bits, 5)[0], make_inputs("mul", 64, bits, 5)[0])


@pytest.mark.parametrize("bits", [32, 64])
def test_division_inputs_span_all_divisor_sizes_and_the_zero_and_overflow_edges(bits):
    x, y = make_inputs("div", 5000, bits, seed=11)
    lo = np.iinfo(x.dtype).min
    assert np.any(y == 0) and np.any((x == lo) & (y == -1))
    assert np.any(np.abs(y[25:]) == 1) and np.any(np.abs(y) > 1 << (bits - 4))


@pytest.mark.parametrize("bits", [32, 64])
def test_division_reference_truncates_toward_zero_and_maps_a_zero_divisor_to_zero(bits):
    dtype = np.dtype(f"i{bits // 8}")
    lo = np.iinfo(dtype).min
    x = np.array([7, -7, 7, -7, 5, lo, lo, -1], dtype=dtype)
    y = np.array([2, 2, -2, -2, 0, -1, 1, lo], dtype=dtype)
    assert expected("div", [x, y]).tolist() == [3, -3, -3, 3, 0, lo, lo, 0]


@pytest.mark.parametrize("m", range(1, 11))
def test_batcher_comparator_count_matches_knuths_formula(m):
    assert cli.batcher_comparators(1 << m) == (m * m - m + 4) * (1 << m) // 4 - 1


def test_peer_time_at_a_smaller_n_is_scaled_by_the_stated_rule():
    assert cli.scale_peer("lt", 2.0, 1000, 10000)[0] == pytest.approx(20.0)
    scaled, rule = cli.scale_peer("sort", 1.0, 1024, 2048)
    assert scaled == pytest.approx(cli.batcher_comparators(2048) / cli.batcher_comparators(1024))
    assert "Batcher" in rule


def test_cli_refuses_a_peer_n_larger_than_n():
    assert cli.main(["--op", "mul", "--n", "10", "--peer-n", "20", "--json"]) == 2


@pytest.mark.parametrize("op", ["mul", "eq"])
def test_mpyc_peer_runs_the_same_job_and_checks_it(op):
    from mpc_engine.bench.mpyc_peer import run_mpyc

    peer = run_mpyc(op, 40, 32, seed=2, timeout=120)
    assert peer["seconds"] > 0 and peer["bytes_sent"] > 0


def test_a_failing_mpyc_peer_is_reported_and_the_others_stopped():
    from mpc_engine.bench.mpyc_peer import PeerFailed, run_mpyc

    with pytest.raises(PeerFailed, match="exited with code 2"):
        run_mpyc("mul", 10, bits=48, timeout=60)  # the peers refuse a 48-bit ring at start


def test_mpyc_peer_refuses_division_plainly():
    from mpc_engine.bench.mpyc_peer import PeerFailed, run_mpyc

    with pytest.raises(PeerFailed, match="no secret/secret integer division"):
        run_mpyc("div", 10)
