"""Radix sort by shuffle and reveal: signed order, equal keys in a secret random order, A + 7k rounds."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mpc_engine.ring import RING32, RING64
from mpc_engine.runner import run_with_inputs
from mpc_engine.sharing import reconstruct_replicated
from mpc_engine.sorting.radix import NotAPermutation, _check_permutation, radix_cost, radix_sort
from mpc_engine.transport.recording import RecordingTransport

from .ordering import assert_sorted_up_to_ties

EDGES32 = [0, 1, -1, 2**31 - 1, -(2**31), 4, 4, -9]
EDGES64 = [0, 1, -1, 2**63 - 1, -(2**63), 2**32 - 1, -(2**31), 6, 6]


def sort_shared(ring, matrix, descending=False, flag=None, wrap=None):
    """Run `radix_sort` on the shared (r, n) matrix; returns (rows, count, run)."""

    def body(party, rows, *flags):
        out, count = radix_sort(party, rows, descending, flags[0] if flags else None)
        return (out.a, out.b), count

    run = run_with_inputs(body, [matrix] + ([flag] if flag is not None else []), ring, wrap=wrap)
    return reconstruct_replicated([o[0] for o in run.outputs]), run.outputs[0][1], run


def stable_order(signed, descending):
    return np.argsort(~signed if descending else signed, kind="stable")


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 17, 100, 1000])
def test_radix_sort_matches_numpy_and_carries_the_payload(n, descending):
    rng = np.random.default_rng(n + 1)
    signed = rng.integers(-(2**31), 2**31, n)
    signed[: min(n, len(EDGES32))] = EDGES32[: min(n, len(EDGES32))]
    signed[n // 2:] = signed[n // 2:] % 7 - 3  # many equal keys: stability shows
    keys = RING32.encode(signed)
    payload = np.arange(n, dtype=np.uint32)
    rows, count, _ = sort_shared(RING32, np.stack([keys, payload]), descending)
    order = stable_order(signed, descending)
    assert count is None
    assert_sorted_up_to_ties([RING32.to_signed(rows[0]), rows[1]], [signed[order], payload[order]])


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("n", [0, 1, 2, 9])
def test_radix_sort_matches_numpy_on_ring64(n, descending):
    signed = np.array((EDGES64 * 2)[:n], dtype=np.int64)
    keys = RING64.encode(signed.tolist())
    rows, _, _ = sort_shared(RING64, np.stack([keys, np.arange(n, dtype=np.uint64)]), descending)
    order = stable_order(signed, descending)
    assert_sorted_up_to_ties([RING64.to_signed(rows[0]), rows[1]], [signed[order], order])


@settings(max_examples=20, deadline=None)
@given(st.lists(st.sampled_from(EDGES32) | st.integers(-(2**31), 2**31 - 1), max_size=30),
       st.booleans())
def test_radix_sort_sorts_any_values_with_their_payload(values, descending):
    signed = np.array(values, dtype=np.int64)
    keys = RING32.encode(values)
    rows, _, _ = sort_shared(RING32, np.stack([keys, np.arange(len(keys), dtype=np.uint32)]), descending)
    order = stable_order(signed, descending)
    assert_sorted_up_to_ties([RING32.to_signed(rows[0]), rows[1]], [signed[order], order])


def test_all_equal_sorted_and_reversed_inputs():
    for signed in ([7] * 9, list(range(-4, 5)), list(range(4, -5, -1))):
        keys = RING32.encode(signed)
        rows, _, _ = sort_shared(RING32, np.stack([keys, np.arange(9, dtype=np.uint32)]))
        order = stable_order(np.array(signed), False)
        assert_sorted_up_to_ties([RING32.to_signed(rows[0]), rows[1]], [np.array(signed)[order], order])


def test_equal_keys_with_payload_come_out_in_a_random_order():
    keys = np.zeros(8, dtype=np.uint32)
    seen = {tuple(sort_shared(RING32, np.stack([keys, np.arange(8, dtype=np.uint32)]))[0][1].tolist())
            for _ in range(6)}
    assert len(seen) >= 5  # a stable pass would give 0..7 every time


def test_flag_pass_puts_flag_zero_first_and_reveals_their_count():
    signed = np.array([5, 5, -1, 2**31 - 1, -(2**31), 0, 5, 2])
    flag = np.array([1, 0, 0, 1, 0, 1, 0, 1], dtype=np.uint32)  # 1 = drop
    keys = RING32.encode(signed)
    rows, count, _ = sort_shared(RING32, np.stack([keys, np.arange(8, dtype=np.uint32)]), flag=flag)
    order = np.lexsort((np.arange(8), signed, flag))
    assert count == 4
    assert_sorted_up_to_ties([flag[rows[1]], RING32.to_signed(rows[0]), rows[1]],
                             [flag[order], signed[order], order])


@pytest.mark.parametrize("ring", [RING32, RING64])
@pytest.mark.parametrize("n", [1, 4, 37])
@pytest.mark.parametrize("with_flag", [False, True])
def test_measured_rounds_and_bytes_equal_radix_cost(ring, n, with_flag):
    matrix = np.zeros((2, n), dtype=ring.dtype)
    flag = np.zeros(n, dtype=ring.dtype) if with_flag else None
    _, _, run = sort_shared(ring, matrix, flag=flag)
    rounds, words0, words = radix_cost(n, 2, ring.bits, with_flag)
    w = ring.dtype.itemsize
    assert [s.rounds for s in run.stats] == [rounds] * 3
    assert [s.bytes_sent for s in run.stats] == [words0 * w, words * w, words * w]
    # A + 7k, + 3 for the tie-breaking shuffle (payload), + 5 for the flag pass
    assert rounds == (7 + 7 * 32 if ring.bits == 32 else 8 + 7 * 64) + 3 + (5 if with_flag else 0)


def test_trace_depends_on_n_only():
    def trace(signed, flag):
        matrix = np.stack([RING32.encode(signed), np.arange(6, dtype=np.uint32)])
        _, _, run = sort_shared(RING32, matrix, flag=np.array(flag, dtype=np.uint32),
                                wrap=RecordingTransport)
        return [p.transport.trace for p in run.parties]

    assert trace([3, -3, 2**31 - 1, 0, 0, 9], [0, 1, 1, 0, 0, 1]) == trace([0] * 6, [0] * 6)


def test_revealed_destinations_must_be_a_permutation():
    assert _check_permutation(np.array([2, 0, 1], dtype=np.uint32), 3).tolist() == [2, 0, 1]
    with pytest.raises(NotAPermutation):
        _check_permutation(np.array([0, 0, 1], dtype=np.uint32), 3)
    with pytest.raises(NotAPermutation):
        _check_permutation(np.array([0, 3, 1], dtype=np.uint32), 3)
