"""The oblivious shuffle: a secret permutation, the same for every array, 3 rounds."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mpc_engine import costs
from mpc_engine.protocols.arithmetic import reshare
from mpc_engine.protocols.shuffle import permutation_from_words, shuffle, shuffle_many
from mpc_engine.ring import RING32, RING64
from mpc_engine.runner import run_local, run_with_inputs
from mpc_engine.sharing import ArithShares, BoolShares, additive_shares, reconstruct_replicated
from mpc_engine.transport.recording import RecordingTransport


def _shares(ring, values):
    """Additive shares of `values` (any shape) for the three parties."""
    return additive_shares(ring, np.asarray(values, dtype=ring.dtype))


def _shuffle_program(party, arith_parts, bool_parts):
    xs = [reshare(party, p) for p in arith_parts]
    bs = [reshare(party, p, boolean=True) for p in bool_parts]
    party.reset_counters()
    out = shuffle(party, xs + bs)
    return [(o.a, o.b) for o in out]


def _run(ring, arith_values, bool_values):
    arith_sh = [_shares(ring, v) for v in arith_values]
    bool_sh = []
    for v in bool_values:
        v = np.asarray(v, dtype=ring.dtype)
        s0 = np.frombuffer(np.random.default_rng(1).bytes(v.nbytes), dtype=ring.dtype).reshape(v.shape)
        s1 = np.frombuffer(np.random.default_rng(2).bytes(v.nbytes), dtype=ring.dtype).reshape(v.shape)
        bool_sh.append((s0, s1, v ^ s0 ^ s1))
    args = [([s[i] for s in arith_sh], [s[i] for s in bool_sh]) for i in range(3)]
    result = run_local(_shuffle_program, args, ring=ring)
    n_arith = len(arith_values)
    outs = []
    for k in range(n_arith + len(bool_values)):
        pairs = [result.outputs[i][k] for i in range(3)]
        outs.append(reconstruct_replicated(pairs, boolean=k >= n_arith))
    return outs, result.stats


@pytest.mark.parametrize("ring", [RING32, RING64])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 17, 300])
def test_shuffle_applies_one_permutation_to_every_array(ring, n):
    index = np.arange(n, dtype=ring.dtype)
    payload = np.stack([index * 7 + 1, index * 3])
    words = index ^ ring.dtype.type(0xA5A5)
    (got_index, got_payload, got_words), stats = _run(ring, [index, payload], [words])
    assert sorted(got_index.tolist()) == list(range(n))
    perm = got_index.astype(np.int64)
    assert np.array_equal(got_payload, payload[:, perm])
    assert np.array_equal(got_words, words[perm])
    want = costs.shuffle_cost(n, rows=4)
    for s, b in zip(stats, want.per_party_bytes(ring.bits), strict=True):
        assert (s.rounds, s.messages_sent, s.bytes_sent) == (want.rounds, 2, b)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(-(2**31), 2**31 - 1), min_size=0, max_size=40))
def test_shuffle_output_is_a_permutation_of_the_input(values):
    encoded = RING32.encode(values)
    (got,), _ = _run(RING32, [encoded], [])
    assert sorted(got.tolist()) == sorted(encoded.tolist())


def test_shuffle_permutation_is_not_the_identity_and_varies():
    n = 64
    index = np.arange(n, dtype=np.uint32)
    first = _run(RING32, [index], [])[0][0]
    second = _run(RING32, [index], [])[0][0]
    assert not np.array_equal(first, index)
    assert not np.array_equal(first, second)


def test_shuffle_positions_look_uniform():
    # element 0 lands on each of 4 positions about equally often over many runs
    counts = np.zeros(4, dtype=int)
    for _ in range(120):
        got = _run(RING32, [np.arange(4, dtype=np.uint32)], [])[0][0]
        counts[int(np.flatnonzero(got == 0)[0])] += 1
    assert counts.min() > 10


def test_permutation_from_words_breaks_ties_with_the_second_word():
    words = np.array([5, 5, 1], dtype=np.uint64)
    perm = permutation_from_words(words, lambda: np.array([9, 2, 0], dtype=np.uint64))
    assert perm.tolist() == [2, 1, 0]


def test_shuffle_refuses_arrays_of_different_lengths():
    def program(party):
        x = ArithShares(np.zeros(3, np.uint32), np.zeros(3, np.uint32), party.pid)
        y = BoolShares(np.zeros(4, np.uint32), np.zeros(4, np.uint32), party.pid)
        shuffle(party, [x, y])

    with pytest.raises(ValueError, match="last dimension"):
        run_local(program)


def _looks_uniform(words):
    """Chi-square over the 256 values of the low and the high byte, alpha about 1e-6."""
    critical = 255 * (1 - 2 / (9 * 255) + 4.753 * (2 / (9 * 255)) ** 0.5) ** 3
    for byte in (words & 0xFF, words >> 24):
        counts = np.bincount(byte.astype(np.int64), minlength=256)
        expected = len(words) / 256
        if ((counts - expected) ** 2 / expected).sum() > critical:
            return False
    return True


@pytest.mark.parametrize("secret", [0, 2**31 - 1])
def test_what_each_party_receives_looks_uniform_for_a_constant_input(secret):
    n = 20_000
    values = np.full(n, secret, dtype=np.uint32)

    def program(party, x):
        held = x.a.copy()
        shuffle(party, [x, BoolShares(x.a, x.b, party.pid)])
        return held

    run = run_with_inputs(program, [values], RING32,
                          wrap=lambda t: RecordingTransport(t, keep_payloads=True))
    for party in run.parties:
        for message in party.transport.received[-2:]:  # the stage in which it is C
            assert all(_looks_uniform(row) for row in message.reshape(2, n))
    assert not _looks_uniform(values)  # the check has power
    # party 2 is C in stage 0: B's message must not be its own component x_2, permuted
    from_b = run.parties[2].transport.received[-1].reshape(2, n)[0]
    assert not np.array_equal(np.sort(from_b), np.sort(run.outputs[2]))


def _shuffle_many_program(party, arith_parts, bool_parts):
    xs = [reshare(party, p) for p in arith_parts]
    bs = [reshare(party, p, boolean=True) for p in bool_parts]
    party.reset_counters()
    # group g: its (3, n_g) arithmetic rows and the same rows as boolean words
    out = shuffle_many(party, [[x, b] for x, b in zip(xs, bs, strict=True)])
    return [[(o.a, o.b) for o in g] for g in out]


def _xor_shares(values):
    rng = np.random.default_rng(len(values))
    s0, s1 = (rng.integers(0, 2**32, values.shape).astype(values.dtype) for _ in range(2))
    return s0, s1, values ^ s0 ^ s1


def _run_many(ring, sizes):
    values = [np.stack([np.arange(n), np.arange(n) * 5, np.arange(n) + 9]).astype(ring.dtype)
              for n in sizes]
    arith, boolean = [_shares(ring, v) for v in values], [_xor_shares(v) for v in values]
    args = [([s[i] for s in arith], [s[i] for s in boolean]) for i in range(3)]
    run = run_local(_shuffle_many_program, args, ring=ring)
    groups = []
    for g in range(len(sizes)):
        got = reconstruct_replicated([run.outputs[i][g][0] for i in range(3)])
        words = reconstruct_replicated([run.outputs[i][g][1] for i in range(3)], boolean=True)
        groups.append((values[g], got, words))
    return groups, run.stats


@pytest.mark.parametrize("ring", [RING32, RING64])
def test_shuffle_many_permutes_each_group_onto_itself_in_three_rounds(ring):
    sizes = [0, 1, 2, 17, 100]
    groups, stats = _run_many(ring, sizes)
    for (values, arith, words), n in zip(groups, sizes, strict=True):
        perm = arith[0].astype(np.int64)
        assert sorted(perm.tolist()) == list(range(n))
        assert np.array_equal(arith, values[:, perm])
        assert np.array_equal(words, values[:, perm])
    w = ring.dtype.itemsize
    for s in stats:
        assert (s.rounds, s.messages_sent) == (3, 2)
        assert s.bytes_sent == 2 * 6 * sum(sizes) * w  # 3 arith + 3 boolean rows


def test_shuffle_many_groups_get_independent_permutations():
    # two groups of the same length: one shared permutation would move them alike every time
    alike = 0
    for _ in range(10):
        groups, _ = _run_many(RING32, [8, 8])
        alike += np.array_equal(groups[0][1][0], groups[1][1][0])
    assert alike <= 1  # 8! permutations: equal by chance with probability 1/40320
