"""Batcher's merge-exchange network: a sorting network for any n, run on shares."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mpc_engine.ring import RING32, RING64
from mpc_engine.runner import run_with_inputs
from mpc_engine.sharing import BoolShares, reconstruct_replicated
from mpc_engine.sorting.batcher import layer_sizes, layers, network_cost, sort_network
from mpc_engine.transport.recording import RecordingTransport

from .ordering import assert_sorted_up_to_ties

EDGES32 = [0, 1, -1, 2**31 - 1, -(2**31), 5, 5, -7]
EDGES64 = [0, 1, -1, 2**63 - 1, -(2**63), 2**31 - 1, -(2**31), 3, 3]


def apply_plain(n, columns):
    """The network on plaintext columns (axis 1 = position)."""
    x = columns.copy()
    for i, j in layers(n):
        lo, hi = np.minimum(x[:, i], x[:, j]), np.maximum(x[:, i], x[:, j])
        x[:, i], x[:, j] = lo, hi
    return x


def sort_shared(ring, matrix, descending=False, tie_break=False, flags=None, wrap=None):
    """Run `sort_network` on the shared (r, n) matrix; returns (rows, flags or None, run)."""

    def body(party, rows, *valid):
        bits = BoolShares(valid[0].a & 1, valid[0].b & 1, party.pid) if valid else None
        out, moved = sort_network(party, rows, descending, tie_break, bits)
        return (out.a, out.b), (None if moved is None else (moved.a, moved.b))

    secrets = [matrix] + ([flags] if flags is not None else [])
    run = run_with_inputs(body, secrets, ring, wrap=wrap)
    rows = reconstruct_replicated([o[0] for o in run.outputs])
    moved = None
    if flags is not None:
        moved = reconstruct_replicated([o[1] for o in run.outputs], boolean=True)
    return rows, moved, run


def expected_order(signed, descending, valid=None):
    """numpy's stable order (lexsort: last key primary), invalid elements last."""
    key = ~signed if descending else signed  # ~x = -x - 1 reverses without overflow
    keys = (np.arange(len(signed)), key) if valid is None else (np.arange(len(signed)), key, 1 - valid)
    return np.lexsort(keys)


def test_network_sorts_every_zero_one_input_up_to_n_12():
    # 0-1 principle (Knuth 5.3.4, Theorem Z): sorting all 0-1 inputs means sorting everything
    for n in range(1, 13):
        inputs = np.array(list(itertools.product([0, 1], repeat=n)), dtype=np.int8).reshape(-1, n)
        assert np.array_equal(apply_plain(n, inputs), np.sort(inputs, axis=1)), n


def test_network_sorts_random_inputs_for_many_n():
    rng = np.random.default_rng(7)
    for n in list(range(13, 130)) + [1000, 1025]:
        x = rng.integers(-50, 50, size=(4, n))
        assert np.array_equal(apply_plain(n, x), np.sort(x, axis=1)), n


def test_layers_are_disjoint_and_number_t_t_plus_1_over_2():
    for n in range(2, 600):
        t = (n - 1).bit_length()
        net = layers(n)
        assert len(net) == t * (t + 1) // 2
        for i, j in net:
            assert np.all(i < j)
            assert len(np.unique(np.concatenate([i, j]))) == 2 * len(i)
    assert layers(0) == [] and layers(1) == []


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 17, 100])
def test_shared_sort_matches_numpy_ring32(n, descending):
    rng = np.random.default_rng(n)
    values = rng.integers(-(2**31), 2**31, n)
    values[: min(n, len(EDGES32))] = EDGES32[: min(n, len(EDGES32))]
    keys = RING32.encode(values)
    rows, _, _ = sort_shared(RING32, keys[None, :], descending)
    signed = RING32.to_signed(keys)
    assert np.array_equal(RING32.to_signed(rows[0]), signed[expected_order(signed, descending)])


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("n", [0, 1, 3, 9])
def test_shared_sort_matches_numpy_ring64(n, descending):
    keys = RING64.encode((EDGES64 * 2)[:n])
    rows, _, _ = sort_shared(RING64, keys[None, :], descending)
    signed = RING64.to_signed(keys)
    assert np.array_equal(RING64.to_signed(rows[0]), signed[expected_order(signed, descending)])


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(EDGES32) | st.integers(-(2**31), 2**31 - 1), max_size=24),
       st.booleans())
def test_shared_sort_matches_numpy_on_any_values(values, descending):
    keys = RING32.encode(values)
    rows, _, _ = sort_shared(RING32, keys[None, :], descending)
    expected = np.sort(RING32.to_signed(keys))
    assert np.array_equal(RING32.to_signed(rows[0]), expected[::-1] if descending else expected)


@pytest.mark.parametrize("descending", [False, True])
def test_tie_break_sort_carries_the_payload_with_its_key(descending):
    rng = np.random.default_rng(3)
    signed = rng.integers(-2, 3, 40)
    keys = RING32.encode(signed)
    payload = np.arange(40, dtype=np.uint32) * 10
    rows, _, _ = sort_shared(RING32, np.stack([keys, payload]), descending, tie_break=True)
    order = expected_order(signed, descending)
    assert_sorted_up_to_ties([RING32.to_signed(rows[0]), rows[1]], [signed[order], payload[order]])


def test_tie_break_puts_equal_keys_in_a_random_order():
    # 8 equal keys: the input order (0..7) would come back every time from a stable sort
    keys = np.zeros(8, dtype=np.uint32)
    seen = {tuple(sort_shared(RING32, np.stack([keys, np.arange(8, dtype=np.uint32)]),
                              tie_break=True)[0][1].tolist()) for _ in range(6)}
    assert len(seen) >= 5  # 8! orders: a repeat has probability < 6^2 / 2 / 40320


@pytest.mark.parametrize("tie_break", [False, True])
def test_valid_flags_put_valid_elements_first_and_move_with_them(tie_break):
    rng = np.random.default_rng(11)
    signed = np.array([3, 3, -1, 2**31 - 1, -(2**31), 0, 3, 1, -1, 7, 3, 3, 2])
    keys = RING32.encode(signed)
    valid = rng.integers(0, 2, len(keys)).astype(np.uint32)
    payload = np.arange(len(keys), dtype=np.uint32)
    rows, moved, _ = sort_shared(RING32, np.stack([keys, payload]), False, tie_break, valid)
    count = int(valid.sum())
    order = expected_order(signed, False, valid)
    assert np.array_equal(moved, valid[order])
    assert np.array_equal(RING32.to_signed(rows[0])[:count], signed[order][:count])
    if tie_break:
        assert_sorted_up_to_ties([RING32.to_signed(rows[0]), rows[1]], [signed[order], payload[order]])
    assert set(rows[1][:count].tolist()) == set(np.flatnonzero(valid).tolist())


@pytest.mark.parametrize("ring", [RING32, RING64])
@pytest.mark.parametrize("n", [2, 5, 16, 33])
@pytest.mark.parametrize("tie_break,use_valid", [(False, False), (True, False), (False, True), (True, True)])
def test_measured_rounds_and_bytes_equal_network_cost(ring, n, tie_break, use_valid):
    matrix = np.zeros((2, n), dtype=ring.dtype)
    flags = np.ones(n, dtype=ring.dtype) if use_valid else None
    _, _, run = sort_shared(ring, matrix, False, tie_break, flags)
    rounds, words0, words = network_cost(n, 2, ring.bits, tie_break, use_valid)
    w = ring.dtype.itemsize
    assert [s.rounds for s in run.stats] == [rounds] * 3
    assert [s.bytes_sent for s in run.stats] == [words0 * w, words * w, words * w]


def test_layer_sizes_count_the_network_without_building_it():
    for n in [*range(0, 70), 100, 257, 1000, 4097]:
        assert layer_sizes(n) == [len(i) for i, _ in layers(n)], n


def test_rounds_per_layer_are_eleven_for_ring32():
    assert network_cost(16, 1, 32)[0] == 10 * 11
    assert network_cost(10_000, 1, 32)[0] == 105 * 11


def test_trace_depends_on_n_only():
    def trace(keys, flags):
        matrix = np.stack([RING32.encode(keys), np.arange(len(keys), dtype=np.uint32)])
        _, _, run = sort_shared(RING32, matrix, False, True, np.array(flags, dtype=np.uint32),
                                wrap=RecordingTransport)
        return [p.transport.trace for p in run.parties]

    first = trace([5, -1, 3, 3, 0, 9, 2**31 - 1], [1, 0, 1, 1, 0, 0, 1])
    second = trace([0, 0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1, 1])
    assert first == second
