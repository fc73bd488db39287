"""filter_sort_many with key ranges (radix sorts on the bits of hi - lo only) and a direction per
problem (both directions in one batch): the same results as numpy, at the cost `radix_many_cost` says."""

import numpy as np
import pytest

from mpc_engine.costs import radix_many_cost
from mpc_engine.ring import RING32, RING64
from mpc_engine.runner import run_with_inputs
from mpc_engine.sharing import reconstruct_replicated
from mpc_engine.sorting import filter_sort_many
from mpc_engine.sorting.radix import key_passes
from mpc_engine.validation import Bounds

from .ordering import assert_sorted_up_to_ties

# (n, lo, hi, payload rows, descending)
PROBLEMS = [(40, 0, 1000, 0, False), (25, -5, 5, 2, True), (0, 0, 9, 0, False), (33, 0, 10**6, 1, False),
            (12, 7, 7, 0, True), (1, -(2**20), 2**20, 0, True)]


def make(ring, problems, seed=0):
    """Per problem: keys (valid ones in [lo, hi], invalid ones anywhere in the ring), payload, valid."""
    rng = np.random.default_rng(seed)
    out = []
    for p, (n, lo, hi, rows, _) in enumerate(problems):
        keys = rng.integers(lo, hi + 1, n, dtype=np.int64)
        valid = (rng.random(n) < 0.7).astype(ring.dtype)
        wild = rng.integers(ring.signed_min, ring.signed_max, n, dtype=np.int64, endpoint=True)
        keys = np.where(valid == 1, keys, wild)  # rejected values: out of range, huge, negative
        if n > 3:
            keys[:3] = np.where(valid[:3] == 1, [lo, hi, lo], [ring.signed_min, ring.signed_max, hi + 1])
        payload = [(np.arange(n) * (r + 1) + 1000 * p).astype(ring.dtype) for r in range(rows)]
        out.append((keys, payload, valid))
    return out


def run(ring, problems, data, algorithm="radix", ranges=True):
    secrets = []
    for keys, payload, valid in data:
        secrets += [ring.encode(keys.tolist()), *payload, valid]

    def body(party, *shares):
        it, batch = iter(shares), []
        for _, payload, _ in data:
            key, rows = next(it), [next(it) for _ in payload]
            batch.append((key, next(it), rows))
        spans = [Bounds(lo, hi) for _, lo, hi, _, _ in problems] if ranges else None
        done = filter_sort_many(party, batch, [d for *_, d in problems], algorithm, ranges=spans)
        return [(count, [(k.a, k.b)] + [(r.a, r.b) for r in rows]) for count, k, rows in done]

    result = run_with_inputs(body, secrets, ring)
    got = []
    for p, (_, payload, _) in enumerate(data):
        counts = {out[p][0] for out in result.outputs}
        assert len(counts) == 1
        rows = [reconstruct_replicated([out[p][1][r] for out in result.outputs])
                for r in range(1 + len(payload))]
        got.append((counts.pop(), ring.to_signed(rows[0]), rows[1:]))
    return got, result


def check(problems, data, got):
    for (_, _, _, _, descending), (keys, payload, valid), (count, key, moved) in zip(problems, data, got,
                                                                                    strict=True):
        kept = np.flatnonzero(valid)
        order = kept[np.argsort(-keys[kept] if descending else keys[kept], kind="stable")]
        assert count == len(kept)
        assert_sorted_up_to_ties([key, *moved], [keys[order], *(row[order] for row in payload)])


@pytest.mark.parametrize("ring", [RING32, RING64])
def test_ranged_problems_of_both_directions_sort_like_numpy_in_one_batch(ring):
    data = make(ring, PROBLEMS, seed=ring.bits)
    got, _ = run(ring, PROBLEMS, data)
    check(PROBLEMS, data, got)


def test_batcher_sorts_mixed_directions_one_network_per_direction():
    data = make(RING32, PROBLEMS, seed=5)
    got, _ = run(RING32, PROBLEMS, data, algorithm="batcher")
    check(PROBLEMS, data, got)


def test_a_ranged_batch_costs_the_passes_of_its_widest_range():
    data = make(RING64, PROBLEMS, seed=1)
    _, result = run(RING64, PROBLEMS, data)
    shapes = [(n, 1 + rows, key_passes(64, (lo, hi))) for n, lo, hi, rows, _ in PROBLEMS]
    cost = radix_many_cost(shapes, 64, flag=True)
    assert max(p for _, _, p in shapes) == 22  # [-2^20, 2^20]: a width of 2^21
    assert cost.rounds == 2 + 6 + 7 * 22 + 5 + 3
    assert [s.rounds for s in result.stats] == [cost.rounds] * 3
    assert [s.bytes_sent for s in result.stats] == cost.per_party_bytes(64)
    _, whole = run(RING64, PROBLEMS, data, ranges=False)  # the ring's 64 bits: 456 + 8 rounds
    assert whole.stats[0].rounds == 2 + 6 + 7 * 64 + 5 + 3
    assert whole.stats[0].bytes_sent > 2 * result.stats[0].bytes_sent


def test_the_trace_does_not_depend_on_the_keys_or_the_flags():
    first, second = make(RING32, PROBLEMS, seed=2), make(RING32, PROBLEMS, seed=3)
    traces = [[(s.rounds, s.bytes_sent) for s in run(RING32, PROBLEMS, d)[1].stats] for d in (first, second)]
    assert traces[0] == traces[1]


def test_key_passes_are_the_bits_of_the_range_width():
    assert key_passes(64, (0, 1_000_000)) == 20  # employees
    assert key_passes(64, (0, 1000)) == 10  # export share
    assert key_passes(64, (-(10**12), 10**12)) == 41  # added value, profit
    assert key_passes(64, (7, 7)) == 0  # one possible value: only the flag pass
    assert key_passes(32, (-(2**31), 2**31 - 1)) == 32
    assert key_passes(64, None) == 64
    with pytest.raises(ValueError, match="empty"):
        key_passes(64, (2, 1))
