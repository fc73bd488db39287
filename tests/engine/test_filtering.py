"""filter_sort: the valid elements sorted, their count revealed, nothing of the invalid ones."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mpc_engine.ring import RING32, RING64
from mpc_engine.runner import run_local, run_with_inputs
from mpc_engine.sharing import ArithShares, reconstruct_replicated
from mpc_engine.sorting import filter_sort
from mpc_engine.sorting.batcher import network_cost
from mpc_engine.sorting.radix import radix_cost
from mpc_engine.transport.recording import RecordingTransport

from .ordering import assert_sorted_up_to_ties

ALGORITHMS = ["batcher", "radix", "auto"]


def run_filter(ring, keys, valid, payload=(), descending=False, algorithm="auto", wrap=None):
    """Returns (count, signed keys, payload rows, run)."""

    def body(party, x, v, *rows):
        count, out, moved = filter_sort(party, x, v, list(rows), descending, algorithm)
        return count, [(r.a, r.b) for r in [out, *moved]]

    run = run_with_inputs(body, [keys, valid, *payload], ring, wrap=wrap)
    counts = {o[0] for o in run.outputs}
    assert len(counts) == 1  # every party learns the same count
    rows = [reconstruct_replicated([o[1][i] for o in run.outputs]) for i in range(1 + len(payload))]
    return counts.pop(), ring.to_signed(rows[0]), rows[1:], run


def expected(signed, valid, descending):
    kept = np.flatnonzero(valid)
    order = kept[np.argsort(~signed[kept] if descending else signed[kept], kind="stable")]
    return signed[order], order


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 17, 100])
def test_filter_sort_keeps_the_valid_values_sorted(n, descending, algorithm):
    rng = np.random.default_rng(n + 5)
    signed = rng.integers(-(2**31), 2**31, n)
    signed[: min(n, 5)] = [0, 2**31 - 1, -(2**31), -1, 1][: min(n, 5)]
    valid = rng.integers(0, 2, n).astype(np.uint32)
    index = np.arange(n, dtype=np.uint32)
    count, got, (moved,), _ = run_filter(RING32, RING32.encode(signed), valid, [index], descending,
                                         algorithm)
    want, order = expected(signed, valid, descending)
    assert count == int(valid.sum())
    assert_sorted_up_to_ties([got, moved], [want, order])


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.integers(-(2**31), 2**31 - 1), st.booleans()), max_size=20),
       st.sampled_from(["batcher", "radix"]), st.booleans())
def test_filter_sort_with_random_flags(items, algorithm, descending):
    signed = np.array([v for v, _ in items], dtype=np.int64)
    valid = np.array([f for _, f in items], dtype=np.uint32)
    count, got, _, _ = run_filter(RING32, RING32.encode(signed.tolist()), valid, (), descending,
                                  algorithm)
    assert count == int(valid.sum())
    assert np.array_equal(got, expected(signed, valid, descending)[0])


@pytest.mark.parametrize("algorithm", ["batcher", "radix"])
def test_an_invalid_payload_never_leaks_in_even_with_equal_values(algorithm):
    # invalid elements carry the same value as valid ones (and the extreme values)
    signed = np.array([7, 7, 7, 2**31 - 1, 2**31 - 1, -(2**31), 7, -(2**31)])
    valid = np.array([0, 1, 0, 1, 0, 0, 1, 1], dtype=np.uint32)
    secret = np.array([666, 1, 666, 2, 666, 666, 3, 4], dtype=np.uint32)
    for descending in (False, True):
        count, got, (moved,), _ = run_filter(RING32, RING32.encode(signed), valid, [secret],
                                             descending, algorithm)
        assert count == 4
        assert 666 not in moved.tolist()
        assert np.array_equal(got, expected(signed, valid, descending)[0])


@pytest.mark.parametrize("algorithm", ["batcher", "radix"])
def test_all_valid_and_none_valid(algorithm):
    signed = np.array([3, -1, 3, 0])
    keys = RING32.encode(signed)
    count, got, _, _ = run_filter(RING32, keys, np.ones(4, np.uint32), algorithm=algorithm)
    assert count == 4 and got.tolist() == [-1, 0, 3, 3]
    count, got, _, _ = run_filter(RING32, keys, np.zeros(4, np.uint32), algorithm=algorithm)
    assert count == 0 and got.tolist() == []


@pytest.mark.parametrize("algorithm", ["batcher", "radix"])
def test_filter_sort_on_ring64(algorithm):
    signed = np.array([2**63 - 1, -(2**63), 5, -1, 5])
    valid = np.array([1, 1, 0, 1, 1], dtype=np.uint64)
    count, got, _, _ = run_filter(RING64, RING64.encode(signed.tolist()), valid, algorithm=algorithm)
    assert count == 4 and got.tolist() == [-(2**63), -1, 5, 2**63 - 1]


@pytest.mark.parametrize("algorithm", ["batcher", "radix"])
def test_trace_does_not_depend_on_values_or_flags(algorithm):
    def trace(signed, valid):
        _, _, _, run = run_filter(RING32, RING32.encode(signed), np.array(valid, dtype=np.uint32),
                                  algorithm=algorithm, wrap=RecordingTransport)
        return [p.transport.trace for p in run.parties]

    assert trace([4, -4, 0, 2**31 - 1, 9], [1, 0, 0, 1, 1]) == trace([0] * 5, [0] * 5)


def test_flags_of_another_length_are_refused():
    def body(party):
        x = ArithShares(np.zeros(3, np.uint32), np.zeros(3, np.uint32), party.pid)
        filter_sort(party, x, x[:2])

    with pytest.raises(ValueError, match="one flag per element"):
        run_local(body)


@pytest.mark.parametrize("n", [3, 20])
def test_measured_cost_is_the_documented_formula(n):
    keys = np.zeros(n, dtype=np.uint32)
    valid = np.ones(n, dtype=np.uint32)
    payload = [np.zeros(n, dtype=np.uint32)]
    for algorithm in ("batcher", "radix"):
        *_, run = run_filter(RING32, keys, valid, payload, algorithm=algorithm)
        if algorithm == "radix":
            rounds, words0, words = radix_cost(n, 2, 32, flag=True)
        else:
            rounds, words0, words = network_cost(n, 2, 32, tie_break=True, valid=True)
            rounds, words0, words = rounds + 1, words0 + 1, words + 1  # the count's reveal
        assert [s.rounds for s in run.stats] == [rounds] * 3
        assert [s.bytes_sent for s in run.stats] == [4 * words0, 4 * words, 4 * words]
