"""sort_many and filter_sort_many: independent sorts batched in the rounds of the largest one."""

import threading

import numpy as np
import pytest

from mpc_engine.ring import RING32, RING64
from mpc_engine.runner import run_local, run_with_inputs
from mpc_engine.sharing import ArithShares, reconstruct_replicated
from mpc_engine.sorting import filter_sort, filter_sort_many, sort_by_key, sort_many
from mpc_engine.sorting import radix as radix_module
from mpc_engine.sorting.batcher import network_cost
from mpc_engine.sorting.radix import radix_cost
from mpc_engine.transport.recording import RecordingTransport

from .ordering import assert_sorted_up_to_ties, canonical

SIZES = [17, 0, 100, 2, 1]  # mixed lengths, the largest not first
EDGES32 = [0, 1, -1, 2**31 - 1, -(2**31), 5, 5]
EDGES64 = [0, 1, -1, 2**63 - 1, -(2**63), 2**32 - 1, 6, 6]


def pairs(x):
    return x.a, x.b


def make_problems(ring, sizes, seed=0, edges=EDGES32):
    """Per problem: (signed keys, payload rows (0-2 of them), 0/1 valid flags)."""
    rng = np.random.default_rng(seed)
    bound = 2 ** (ring.bits - 1)
    problems = []
    for p, n in enumerate(sizes):
        keys = rng.integers(-bound, bound, n, dtype=np.int64)
        keys[n // 2:] = keys[n // 2:] % 5 - 2  # many equal keys: stability shows
        keys[: min(n, len(edges))] = edges[: min(n, len(edges))]
        payload = [(np.arange(n) * (r + 1) + 1000 * p).astype(ring.dtype) for r in range(p % 3)]
        valid = rng.integers(0, 2, n).astype(ring.dtype)
        problems.append((keys, payload, valid))
    return problems


def run_many(ring, problems, descending=False, algorithm="auto", filtering=False, wrap=None):
    """Run sort_many (or filter_sort_many); returns ([(count, signed keys, payload rows)], run)."""
    secrets = []
    for keys, payload, valid in problems:
        secrets += [ring.encode(keys.tolist()), *payload] + ([valid] if filtering else [])

    def body(party, *shares):
        it, batch = iter(shares), []
        for _, payload, _ in problems:
            key, rows = next(it), [next(it) for _ in payload]
            batch.append((key, next(it), rows) if filtering else (key, rows))
        if filtering:
            done = filter_sort_many(party, batch, descending, algorithm)
        else:
            done = [(None, *result) for result in sort_many(party, batch, descending, algorithm)]
        return [(count, [pairs(key)] + [pairs(r) for r in rows]) for count, key, rows in done]

    run = run_with_inputs(body, secrets, ring, wrap=wrap)
    results = []
    for p, (_, payload, _) in enumerate(problems):
        counts = {out[p][0] for out in run.outputs}
        assert len(counts) == 1  # every party learns the same count
        rows = [reconstruct_replicated([out[p][1][r] for out in run.outputs])
                for r in range(1 + len(payload))]
        results.append((counts.pop(), ring.to_signed(rows[0]), rows[1:]))
    return results, run


def expected(keys, valid, descending, filtering):
    kept = np.flatnonzero(valid) if filtering else np.arange(len(keys))
    order = np.argsort(~keys[kept] if descending else keys[kept], kind="stable")
    return kept[order]


def check(results, problems, descending, filtering):
    for (count, got, moved), (keys, payload, valid) in zip(results, problems, strict=True):
        order = expected(keys, valid, descending, filtering)
        assert count == (int(valid.sum()) if filtering else None)
        assert len(moved) == len(payload)
        assert_sorted_up_to_ties([got, *moved], [keys[order], *(want[order] for want in payload)])


@pytest.mark.parametrize("filtering", [False, True])
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("algorithm", ["batcher", "radix"])
def test_each_problem_is_sorted_like_numpy_with_its_payload(algorithm, descending, filtering):
    problems = make_problems(RING32, SIZES, seed=len(algorithm) + descending)
    results, _ = run_many(RING32, problems, descending, algorithm, filtering)
    check(results, problems, descending, filtering)


@pytest.mark.parametrize("filtering", [False, True])
@pytest.mark.parametrize("algorithm", ["batcher", "radix"])
def test_ring64_batches_cover_the_whole_signed_range(algorithm, filtering):
    problems = make_problems(RING64, [9, 0, 3, 1], seed=3, edges=EDGES64)
    for descending in (False, True):
        results, _ = run_many(RING64, problems, descending, algorithm, filtering)
        check(results, problems, descending, filtering)


def test_batched_results_equal_the_single_sorts():
    problems = make_problems(RING32, [9, 0, 4, 1, 30], seed=7)

    def body(party, *shares):
        inputs = list(zip(shares[0::2], shares[1::2], strict=True))  # (key, valid) per problem
        cases = []  # (batched outputs, single outputs) per problem
        for algorithm in ("batcher", "radix"):
            many = sort_many(party, [(k, [v]) for k, v in inputs], True, algorithm)
            single = [sort_by_key(party, k, [v], True, algorithm) for k, v in inputs]
            cases += [([k, r[0]], [k2, r2[0]]) for (k, r), (k2, r2) in zip(many, single, strict=True)]
            many = filter_sort_many(party, inputs, False, algorithm)
            single = [filter_sort(party, k, v, (), False, algorithm) for k, v in inputs]
            cases += [([c, k], [c2, k2]) for (c, k, _), (c2, k2, _) in zip(many, single, strict=True)]
        return [[[pairs(x) if isinstance(x, ArithShares) else x for x in side] for side in case]
                for case in cases]

    secrets = [a for keys, _, valid in problems for a in (RING32.encode(keys.tolist()), valid)]
    run = run_with_inputs(body, secrets, RING32)

    def value(case, side, j):
        items = [out[case][side][j] for out in run.outputs]
        return reconstruct_replicated(items).tolist() if isinstance(items[0], tuple) else items[0]

    assert len(run.outputs[0]) == 4 * len(problems)
    for case in range(len(run.outputs[0])):
        batched, single = ([value(case, side, j) for j in range(2)] for side in (0, 1))
        if isinstance(batched[0], int):  # filter_sort: (count, keys), exact
            assert batched == single
        else:  # sort_by_key with payload: equal keys in a random order, the columns alike
            assert batched[0] == single[0]
            assert np.array_equal(canonical(batched), canonical(single))


def single_cost(problem, algorithm, filtering):
    """(rounds, bytes per party) of the single sort of one problem, measured."""
    results, run = run_many(RING32, [problem], False, algorithm, filtering)
    return run.stats[0].rounds, [s.bytes_sent for s in run.stats]


def formula(n, rows, algorithm, filtering, tie_break=None):
    """`tie_break`: batcher compares tie keys in every problem of a batch that has payload."""
    if algorithm == "radix":
        return radix_cost(n, rows, 32, flag=filtering)
    tie_break = rows > 1 if tie_break is None else tie_break
    rounds, words0, words = network_cost(n, rows, 32, tie_break=tie_break, valid=filtering)
    live = filtering and n > 0  # filtering reveals the count in one more round
    return rounds + live, words0 + live, words + live


@pytest.mark.parametrize("filtering", [False, True])
@pytest.mark.parametrize("algorithm", ["batcher", "radix"])
def test_a_batch_costs_the_rounds_of_its_largest_problem_and_the_sum_of_the_bytes(algorithm, filtering):
    problems = make_problems(RING32, SIZES, seed=11)
    _, run = run_many(RING32, problems, False, algorithm, filtering)
    singles = [single_cost(p, algorithm, filtering) for p in problems]
    largest = singles[SIZES.index(max(SIZES))][0]
    assert [s.rounds for s in run.stats] == [largest] * 3 == [max(r for r, _ in singles)] * 3
    if algorithm == "radix":  # batcher: the problems without payload get tie keys in this batch
        assert [s.bytes_sent for s in run.stats] == [sum(b[i] for _, b in singles) for i in range(3)]
    payload = any(p[1] for p in problems)
    costs = [formula(n, 1 + len(p[1]), algorithm, filtering, payload)
             for n, p in zip(SIZES, problems, strict=True)]
    assert largest == max(c[0] for c in costs)
    words0, words = sum(c[1] for c in costs), sum(c[2] for c in costs)
    assert [s.bytes_sent for s in run.stats] == [4 * words0, 4 * words, 4 * words]


def test_seven_indicators_cost_the_rounds_of_one():
    problems = make_problems(RING32, [60, 50, 40, 60, 30, 20, 60], seed=5)
    _, run = run_many(RING32, problems, algorithm="radix", filtering=True)
    rows = 1 + max(len(p[1]) for p in problems)  # some carry payload: + 3 for the tie shuffle
    assert run.stats[0].rounds == radix_cost(60, rows, 32, flag=True)[0] == 239
    bare = [(k, [], v) for k, _, v in problems]  # sorted_indicators: no payload
    _, run = run_many(RING32, bare, algorithm="radix", filtering=True)
    assert run.stats[0].rounds == radix_cost(60, 1, 32, flag=True)[0] == 236


@pytest.mark.parametrize("filtering", [False, True])
@pytest.mark.parametrize("algorithm", ["batcher", "radix"])
def test_the_trace_depends_on_the_sizes_only(algorithm, filtering):
    def trace(seed, ones):
        problems = make_problems(RING32, [6, 0, 3], seed=seed)
        if ones:
            problems = [(np.zeros_like(k), p, np.ones_like(v)) for k, p, v in problems]
        _, run = run_many(RING32, problems, False, algorithm, filtering, wrap=RecordingTransport)
        return [p.transport.trace for p in run.parties]

    assert trace(1, False) == trace(2, False) == trace(3, True)


def record_destinations(monkeypatch):
    """Party 0's revealed destinations, per call of `_check_permutation` (one per segment and pass)."""
    seen, original = [], radix_module._check_permutation

    def recording(dest, n):
        if threading.current_thread().name == "party-0":
            seen.append(np.array(dest))
        return original(dest, n)

    monkeypatch.setattr(radix_module, "_check_permutation", recording)
    return seen


def test_segments_are_shuffled_by_independent_permutations(monkeypatch):
    # identical keys in both segments: one shared permutation would reveal identical d's
    # in every pass, linking the order of one indicator to the other's
    seen = record_destinations(monkeypatch)
    keys = np.array([3, 1, 3, 0, 2, 1, 7, -4], dtype=np.int64)
    run_many(RING32, [(keys, [], None), (keys.copy(), [], None)], algorithm="radix")
    passes = list(zip(seen[0::2], seen[1::2], strict=True))
    assert len(passes) == 32
    for first, second in passes:
        assert sorted(first.tolist()) == sorted(second.tolist()) == list(range(8))
    alike = sum(np.array_equal(first, second) for first, second in passes)
    assert alike <= 2  # each pass alike with probability 1/8! if independent


def test_revealed_destinations_of_one_segment_vary_between_runs(monkeypatch):
    seen = record_destinations(monkeypatch)
    keys = np.arange(8, dtype=np.int64)
    for _ in range(2):
        run_many(RING32, [(keys, [], None), (keys, [], None)], algorithm="radix")
    first_run, second_run = seen[:64], seen[64:]
    assert sum(np.array_equal(a, b) for a, b in zip(first_run, second_run, strict=True)) <= 2


def test_empty_batches_and_all_empty_problems_cost_nothing():
    def body(party):
        empty = ArithShares(np.zeros(0, np.uint32), np.zeros(0, np.uint32), party.pid)
        none = sort_many(party, [])
        out = sort_many(party, [empty, (empty, [empty])])
        counts = [c for c, _, _ in filter_sort_many(party, [(empty, empty), (empty, empty, [empty])])]
        return none, [len(k) for k, _ in out], counts

    run = run_local(body)
    assert run.outputs[0] == ([], [0, 0], [0, 0])
    assert [s.rounds for s in run.stats] == [0, 0, 0]


def test_auto_chooses_by_the_largest_problem():
    def rounds(sizes):
        problems = make_problems(RING32, sizes, seed=2)
        return run_many(RING32, problems, algorithm="auto")[1].stats[0].rounds

    # make_problems gives problem 1 a payload row: the tie key or shuffle costs 3 rounds
    assert rounds([5, 100]) == radix_cost(100, 2, 32)[0] == 234
    assert rounds([5, 20]) == network_cost(20, 2, 32, tie_break=True)[0]


def test_malformed_problems_are_refused():
    def body(party, problem_of):
        x = ArithShares(np.zeros(3, np.uint32), np.zeros(3, np.uint32), party.pid)
        kind, problem = problem_of(x)
        (sort_many if kind == "sort" else filter_sort_many)(party, [problem])

    cases = [(lambda x: ("sort", (x, [x[:2]])), "payload row"),
             (lambda x: ("filter", (x, x[:2])), "one flag per element"),
             (lambda x: ("filter", (x, x, [], [])), "a filtering problem")]
    for problem_of, message in cases:
        with pytest.raises(ValueError, match=message):
            run_local(body, [(problem_of,)] * 3)
