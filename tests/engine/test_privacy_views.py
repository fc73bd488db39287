"""What each party can compute, and what is opened: the shuffle's stages and the filter's reveals.

Bugs these catch (each was planted once and seen to make them fail): a shuffle stage
permuting by the identity (its third party then knows the whole permutation); one
permutation reused for every shuffle and every radix pass; a filter that opens the
flags themselves besides the counts.
"""

import threading

import numpy as np
import pytest

from mpc_engine.protocols import shuffle as shuffle_module
from mpc_engine.protocols.arithmetic import reshare
from mpc_engine.protocols.shuffle import shuffle
from mpc_engine.ring import RING32
from mpc_engine.runner import run_local, run_with_inputs
from mpc_engine.sharing import additive_shares, reconstruct_replicated
from mpc_engine.sorting import filter_sort_many, sort_by_key
from mpc_engine.sorting import filtering as filtering_module
from mpc_engine.sorting import radix as radix_module


# -- the shuffle: who knows which stage ------------------------------------------------------
def record_stages(monkeypatch):
    """Every `_stage` call at every party: pid, stage s, the stage's permutation tag, the
    party, and the permutations it derived (None when it derived none: it is C)."""
    seen, current = [], threading.local()
    original_stage, original_perms = shuffle_module._stage, shuffle_module._stream_permutations

    def stage(party, s, groups, dtype):
        current.info = {"pid": party.pid, "s": s, "tag": party._tag + 1, "party": party, "perms": None}
        original_stage(party, s, groups, dtype)
        seen.append(current.info)

    def perms(draw, sizes):
        out = original_perms(draw, sizes)
        current.info["perms"] = [p.copy() for p in out]
        return out

    monkeypatch.setattr(shuffle_module, "_stage", stage)
    monkeypatch.setattr(shuffle_module, "_stream_permutations", perms)
    return seen


def derive(common, tag, n):
    """The permutation a party would derive from one of its streams for a stage's tag."""
    from mpc_engine.protocols.shuffle import permutation_from_words

    words = common(tag, (n,), np.uint64)
    return permutation_from_words(words, lambda: common(tag, (2, n), np.uint64)[1])


def by_call(seen):
    """{(call, s): {pid: entry}}: the k-th shuffle of a run is call k at every party."""
    calls, count = {}, {0: 0, 1: 0, 2: 0}
    for entry in seen:
        pid, s = entry["pid"], entry["s"]
        call = count[pid] - (s != 0)
        if s == 0:
            count[pid] += 1
        calls.setdefault((call, s), {})[pid] = entry
    return calls


def shuffled_index(n, rounds_of_shuffles=1):
    """Shuffle arange(n) `rounds_of_shuffles` times; returns the opened orders."""
    shares = additive_shares(RING32, np.arange(n, dtype=np.uint32))

    def program(party, share):
        x = reshare(party, share)
        outs = []
        for _ in range(rounds_of_shuffles):
            (x,) = shuffle(party, [x])
            outs.append((x.a.copy(), x.b.copy()))
        return outs

    run = run_local(program, [(shares[i],) for i in range(3)])
    return [reconstruct_replicated([run.outputs[i][k] for i in range(3)]).astype(np.int64)
            for k in range(rounds_of_shuffles)]


def test_every_stage_permutation_is_unknown_to_exactly_one_party_and_not_the_identity(monkeypatch):
    n = 32
    seen = record_stages(monkeypatch)
    (opened,) = shuffled_index(n)
    stages = by_call(seen)
    composed = np.arange(n)
    for s in range(3):
        entries = stages[(0, s)]
        a, b, c = s % 3, (s + 1) % 3, (s + 2) % 3
        assert entries[c]["perms"] is None  # C derives nothing
        (perm,) = entries[a]["perms"]
        assert np.array_equal(perm, entries[b]["perms"][0])  # A and B apply the same one
        assert not np.array_equal(perm, np.arange(n)), f"stage {s} permutes by the identity"
        # C's own keys (k_{s+2} and k_s) do not give it: the pair's key k_{s+1} is not C's
        party_c, tag = entries[c]["party"], entries[c]["tag"]
        role_a = entries[a]["party"].common_with_next  # A's stream of the pair key: the check has power
        assert np.array_equal(derive(role_a, tag, n), perm)
        for common in (party_c.common_with_prev, party_c.common_with_next):
            assert not np.array_equal(derive(common, tag, n), perm)
        composed = composed[perm]
    assert np.array_equal(opened, composed)  # the output is the three stages composed
    for pid in range(3):  # each party knows exactly the two stages in which it is A or B
        known = [s for s in range(3) if stages[(0, s)][pid]["perms"] is not None]
        assert known == [s for s in range(3) if pid in (s, (s + 1) % 3)]
        guess = np.arange(n)
        for s in range(3):
            guess = guess[stages[(0, s)][pid]["perms"][0]] if s in known else guess
        assert not np.array_equal(guess, opened), f"party {pid} can compute the permutation"


def test_two_shuffles_in_one_run_use_different_permutations(monkeypatch):
    n = 32
    seen = record_stages(monkeypatch)
    first, second = shuffled_index(n, 2)
    assert not np.array_equal(first, second)
    stages = by_call(seen)
    perms = [stages[(call, s)][s]["perms"][0] for call in (0, 1) for s in range(3)]
    for i in range(len(perms)):
        for j in range(i):
            assert not np.array_equal(perms[i], perms[j]), "a stage permutation was reused"


def test_every_radix_pass_shuffles_by_fresh_permutations(monkeypatch):
    seen = record_stages(monkeypatch)
    n = 16
    keys = RING32.encode([3, 1, 3, 0, 2, 1, 7, -4] * 2)

    def program(party, key, payload):
        sort_by_key(party, key, [payload], algorithm="radix")

    run_with_inputs(program, [keys, np.arange(n, dtype=np.uint32)])
    stages = by_call(seen)
    perms = [stages[key][key[1]]["perms"][0] for key in sorted(stages)]
    assert len(perms) == 3 * (1 + 32)  # the tie-breaking shuffle, then one per pass
    distinct = {p.tobytes() for p in perms}
    assert len(distinct) == len(perms), "a permutation was reused across shuffles or passes"


# -- the filter: what is opened ---------------------------------------------------------------
def record_openings(monkeypatch):
    """Every value party 0 opens through the sorting and filtering modules' `reveal`."""
    opened = []

    def spy(original):
        def reveal(party, x):
            out = original(party, x)
            if party.pid == 0:
                opened.append(np.array(out))
            return out
        return reveal

    for module in (filtering_module, radix_module):
        monkeypatch.setattr(module, "reveal", spy(module.reveal))
    return opened


def run_filters(sizes, algorithm, seed=5):
    rng = np.random.default_rng(seed)  # test data only
    problems = [(rng.integers(-50, 50, n), rng.integers(0, 2, n)) for n in sizes]
    secrets = []
    for keys, valid in problems:
        index = np.arange(len(keys), dtype=np.uint32)
        secrets += [RING32.encode(keys.tolist()), valid.astype(np.uint32), index]

    def program(party, *shares):
        batch = [(shares[3 * i], shares[3 * i + 1], [shares[3 * i + 2]]) for i in range(len(sizes))]
        return [count for count, _, _ in filter_sort_many(party, batch, algorithm=algorithm)]

    run = run_with_inputs(program, secrets)
    counts = [int(valid.sum()) for _, valid in problems]
    assert run.outputs[0] == counts
    return counts


def test_the_batcher_filter_opens_the_counts_and_nothing_else(monkeypatch):
    opened = record_openings(monkeypatch)
    counts = run_filters([9, 4, 13], "batcher")
    assert [o.tolist() for o in opened] == [counts]


@pytest.mark.parametrize("sizes", [[12], [9, 4, 13]])
def test_the_radix_filter_opens_permutations_and_the_counts_only(monkeypatch, sizes):
    opened = record_openings(monkeypatch)
    counts = run_filters(sizes, "radix")
    assert len(opened) == 32 + 1  # one per key bit, then the flag pass
    for k, values in enumerate(opened):
        at = 0
        for n in sizes:  # each segment's destinations: a permutation of 0..n-1
            assert sorted(values[at:at + n].tolist()) == list(range(n)), f"opening {k} is not a permutation"
            at += n
        tail = values[at:].tolist()
        assert tail == (counts if k == len(opened) - 1 else []), f"opening {k} holds more"
