"""The public sorting API: sort_values, sort_by_key, algorithm choice, argument checks."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mpc_engine.ring import RING32, RING64
from mpc_engine.runner import run_local, run_with_inputs
from mpc_engine.sharing import ArithShares, reconstruct_replicated
from mpc_engine.sorting import choose_algorithm, sort_by_key, sort_values
from mpc_engine.sorting.batcher import network_cost
from mpc_engine.sorting.radix import radix_cost
from mpc_engine.transport.recording import RecordingTransport

from .ordering import assert_sorted_up_to_ties

ALGORITHMS = ["batcher", "radix", "auto"]
EDGES32 = [0, 1, -1, 2**31 - 1, -(2**31), 12, 12]


def pairs(x):
    return x.a, x.b


def run_sort_values(ring, keys, descending, algorithm, wrap=None):
    run = run_with_inputs(lambda p, x: pairs(sort_values(p, x, descending, algorithm)), [keys], ring,
                          wrap=wrap)
    return ring.to_signed(reconstruct_replicated(run.outputs)), run


def run_sort_by_key(ring, key, payload, descending, algorithm):
    def body(party, k, *rows):
        out_key, out_rows = sort_by_key(party, k, list(rows), descending, algorithm)
        return [pairs(out_key)] + [pairs(r) for r in out_rows]

    run = run_with_inputs(body, [key] + list(payload), ring)
    return [reconstruct_replicated([o[i] for o in run.outputs]) for i in range(1 + len(payload))]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 17, 100])
def test_sort_values_matches_numpy(n, descending, algorithm):
    rng = np.random.default_rng(n * 3 + 1)
    signed = rng.integers(-(2**31), 2**31, n)
    signed[: min(n, len(EDGES32))] = EDGES32[: min(n, len(EDGES32))]
    got, _ = run_sort_values(RING32, RING32.encode(signed), descending, algorithm)
    expected = np.sort(signed)
    assert np.array_equal(got, expected[::-1] if descending else expected)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_sort_values_on_ring64_covers_the_whole_signed_range(algorithm):
    signed = [0, 2**63 - 1, -1, -(2**63), 1, 2**32 - 1, -(2**31)]
    got, _ = run_sort_values(RING64, RING64.encode(signed), False, algorithm)
    assert got.tolist() == sorted(signed)


def test_unsigned_encoding_of_minus_one_sorts_as_minus_one():
    keys = RING32.encode([2**32 - 1, 0, 1], signed=False)
    got, _ = run_sort_values(RING32, keys, False, "radix")
    assert got.tolist() == [-1, 0, 1]


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(-(2**31), 2**31 - 1), max_size=20), st.sampled_from(ALGORITHMS))
def test_sort_values_sorts_any_values(values, algorithm):
    got, _ = run_sort_values(RING32, RING32.encode(values), False, algorithm)
    assert got.tolist() == sorted(values)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("n", [0, 1, 3, 40])
def test_sort_by_key_payload_rows_follow_their_key(n, descending, algorithm):
    rng = np.random.default_rng(n)
    signed = rng.integers(-3, 3, n)
    key = RING32.encode(signed)
    payload = [np.arange(n, dtype=np.uint32), RING32.encode(rng.integers(-(2**31), 2**31, n))]
    got_key, got_index, got_other = run_sort_by_key(RING32, key, payload, descending, algorithm)
    order = np.argsort(-signed if descending else signed, kind="stable")
    assert_sorted_up_to_ties([RING32.to_signed(got_key), got_index, got_other],
                             [signed[order], payload[0][order], payload[1][order]])


@pytest.mark.parametrize("algorithm", ["batcher", "radix"])
def test_sort_by_key_on_ring64_with_a_matrix_of_rows(algorithm):
    signed = np.array([4, -(2**63), 4, 2**63 - 1, 0])
    key = RING64.encode(signed.tolist())
    payload = [np.arange(5, dtype=np.uint64) + 100 * i for i in range(3)]
    got = run_sort_by_key(RING64, key, payload, False, algorithm)
    order = np.argsort(signed, kind="stable")
    assert_sorted_up_to_ties([RING64.to_signed(got[0]), *got[1:]],
                             [signed[order], *(row[order] for row in payload)])


def test_auto_takes_batcher_for_small_n_and_radix_for_large_n():
    assert choose_algorithm(10, 32) == "batcher"
    assert choose_algorithm(32, 32) == "batcher"
    assert choose_algorithm(65, 32) == "radix"
    assert choose_algorithm(10_000, 32) == "radix"
    assert choose_algorithm(200, 64) == "batcher"
    assert choose_algorithm(1000, 64) == "radix"
    assert choose_algorithm(10, 32, algorithm="radix") == "radix"


def test_auto_takes_the_algorithm_with_fewer_rounds():
    for n in (2, 17, 32, 33, 64, 65, 300):
        batcher = network_cost(n, 1, 32)[0]
        radix = radix_cost(n, 1, 32)[0]
        assert choose_algorithm(n, 32) == ("batcher" if batcher < radix else "radix")


def test_an_unknown_algorithm_is_refused():
    with pytest.raises(ValueError, match="algorithm must be one of"):
        choose_algorithm(4, 32, algorithm="quick")


def test_payload_rows_of_another_length_are_refused():
    def body(party):
        key = ArithShares(np.zeros(3, np.uint32), np.zeros(3, np.uint32), party.pid)
        sort_by_key(party, key, [key[:2]])

    with pytest.raises(ValueError, match="payload row"):
        run_local(body)


@pytest.mark.parametrize("algorithm", ["batcher", "radix"])
def test_trace_of_sort_values_depends_on_n_only(algorithm):
    def trace(signed):
        _, run = run_sort_values(RING32, RING32.encode(signed), False, algorithm, wrap=RecordingTransport)
        return [p.transport.trace for p in run.parties]

    assert trace([9, -9, 0, 2**31 - 1, 5]) == trace([0, 0, 0, 0, 0])
