"""Oblivious shuffle of replicated shares by a permutation that no single party knows.

Hamada, Kikuchi, Ikarashi, Chida, Takahashi, ICISC 2012; Laur, Willemson, Zhang,
ISC 2011 (the resharing shuffle).  Three stages; in stage s the pair A = P_s,
B = P_{s+1} shares key k_{s+1} and derives a permutation pi_s from it; C = P_{s+2}
does not know pi_s.  The output is pi_2(pi_1(pi_0(x))): every party misses one of
the three permutations, so to any single party the composed permutation is uniform.

One stage, for x = x_s + x_{s+1} + x_{s+2} (XOR for boolean shares):
  A holds u = x_s + x_{s+1}, B holds v = x_{s+2}: a 2-of-2 sharing of x.
  Both permute; R, z come from the pair's common stream:
    y_{s+1} = R,  y_s = pi(u) + z - R  (A sends it to C),  y_{s+2} = pi(v) - z  (B sends it to C).
  y_s + y_{s+1} + y_{s+2} = pi(u) + pi(v) = pi(x).  A ends with (y_s, y_{s+1}), B with
  (y_{s+1}, y_{s+2}), C with (y_{s+2}, y_s): replicated shares again.
Why the view is uniform: A and B receive nothing.  C receives y_s and y_{s+2}; R and z are
uniform, independent and unknown to C, so (pi(u) + z - R, pi(v) - z) is a uniform pair,
independent of x and pi.  The new shares are fresh, so the next stage's C (a different
party) learns nothing either from what it held before.

Cost: `costs.shuffle_cost`: each party sends in two of the stages (as A and as B), one
word per element and row each time, 2 messages in all.

`shuffle_many` shuffles several groups at once, each by its own permutation (a
block-diagonal permutation: every group onto itself), in the 3 rounds of one shuffle.
Each stage's permutation of group g comes from its own slice of the pair's stream
(disjoint AES-CTR blocks), so the groups' permutations are independent: revealing a
function of one group's shuffled order says nothing about another group's.
"""

from __future__ import annotations

import numpy as np

from ..party import Party
from ..sharing import ArithShares, BoolShares


def permutation_from_words(words: np.ndarray, tie_break=None) -> np.ndarray:
    """The permutation that sorts uniform 64-bit words: a uniform permutation if no two words tie.

    Bias: two of n words tie with probability <= n^2 / 2^65; on a tie the order is taken from
    (words, tie_break) with a second independent word per element, leaving a bias of at most
    n^2 / 2^129 (statistically negligible).  `tie_break()` returns the second words.
    """
    perm = np.argsort(words)
    ordered = words[perm]
    if tie_break is not None and np.any(ordered[1:] == ordered[:-1]):
        perm = np.lexsort((tie_break(), words))
    return perm


def _stream_permutations(draw, sizes) -> list[np.ndarray]:
    """One permutation per size from a keyed stream; `draw(shape)` is the pair's common stream.

    Group g sorts its own slice of one draw of sum(sizes) words: independent uniform
    permutations (up to the tie bias of `permutation_from_words`).
    """
    total = sum(sizes)
    words = draw((total,))
    offsets = np.cumsum([0, *sizes])
    # the tie-break words are row 1 of a longer draw under the same tag: row 0 repeats
    # `words`, row 1 is the keystream after it, so no block of the stream serves twice
    return [permutation_from_words(words[o:o + n], lambda o=o, n=n: draw((2, total))[1][o:o + n])
            for o, n in zip(offsets[:-1], sizes, strict=True)]


def _rows(x) -> int:
    return int(np.prod(x.shape[:-1], dtype=np.int64))


class _Group:
    """One group's arrays as (rows, n) matrices a and b; the first `split` rows are arithmetic."""

    def __init__(self, arrays):
        arrays = list(arrays)
        if any(not isinstance(x, (ArithShares, BoolShares)) for x in arrays):
            raise TypeError("shuffle takes ArithShares and BoolShares only")
        self.arrays = arrays
        self.n = arrays[0].shape[-1] if arrays else 0
        for x in arrays:
            if x.shape[-1] != self.n or x.dtype != arrays[0].dtype:
                raise ValueError("shuffled arrays must share the last dimension and the dtype")
        # arithmetic rows first, then boolean rows: one add and one XOR slice per stage
        self.order = sorted(range(len(arrays)), key=lambda k: isinstance(arrays[k], BoolShares))
        self.split = sum(_rows(x) for x in arrays if isinstance(x, ArithShares))
        self.rows = sum(_rows(x) for x in arrays)
        self.a = self.b = np.zeros((0, 0), dtype=arrays[0].dtype if arrays else np.uint32)
        if arrays:
            self.a = np.concatenate([arrays[k].a.reshape(_rows(arrays[k]), self.n) for k in self.order])
            self.b = np.concatenate([arrays[k].b.reshape(_rows(arrays[k]), self.n) for k in self.order])

    def unpack(self, pid: int) -> list:
        out, row = [None] * len(self.arrays), 0
        for k in self.order:
            x, rows = self.arrays[k], _rows(self.arrays[k])
            a = self.a[row:row + rows].reshape(x.shape)
            out[k] = type(x)(a, self.b[row:row + rows].reshape(x.shape), pid)
            row += rows
        return out


def _views(buffer: np.ndarray, groups):
    """The (rows, n) matrix of every group inside one flat message buffer."""
    out, at = [], 0
    for g in groups:
        out.append(buffer[at:at + g.rows * g.n].reshape(g.rows, g.n))
        at += g.rows * g.n
    return out


def _stage(party: Party, s: int, groups, dtype) -> None:
    """One stage on every group (in place): one message for all groups."""
    total = sum(g.rows * g.n for g in groups)
    tag_perm, tag_mask = party.tag(), party.tag()  # drawn by all three parties, in order
    role = (party.pid - s) % 3  # 0: A, 1: B, 2: C
    if role == 2:
        y_s, y_s2 = party.exchange(from_next=(dtype, total), from_prev=(dtype, total))
        for g, a, b in zip(groups, _views(y_s2, groups), _views(y_s, groups), strict=True):
            g.a, g.b = a, b
        return
    common = party.common_with_next if role == 0 else party.common_with_prev
    perms = _stream_permutations(lambda shape: common(tag_perm, shape, np.uint64), [g.n for g in groups])
    masks = common(tag_mask, (2, total), dtype)
    message = np.empty(total, dtype=dtype)
    parts = zip(groups, perms, _views(message, groups), _views(masks[0], groups),
                _views(masks[1], groups), strict=True)
    for g, perm, y, r, z in parts:
        k = g.split
        if role == 0:
            u = np.empty_like(g.a)
            np.add(g.a[:k], g.b[:k], out=u[:k])
            np.bitwise_xor(g.a[k:], g.b[k:], out=u[k:])
            np.take(u, perm, axis=1, out=y)  # np.take: several times faster than y[:, perm]
            y[:k] += z[:k]
            y[:k] -= r[:k]
            y[k:] ^= z[k:] ^ r[k:]
            g.a, g.b = y, r
        else:
            np.take(g.b, perm, axis=1, out=y)
            y[:k] -= z[:k]
            y[k:] ^= z[k:]
            g.a, g.b = r, y
    if role == 0:
        party.exchange(to_prev=message)
    else:
        party.exchange(to_next=message)


def shuffle_many(party: Party, groups) -> list[list]:
    """Shuffle each group of arrays by its own secret permutation, all groups in one shuffle's rounds.

    A group is a list of ArithShares and BoolShares sharing the last dimension n_g (and
    the ring's dtype); the arrays of a group get the same permutation, the groups
    independent ones (see the module docstring).  Cost: `costs.shuffle_cost` with
    n * rows = sum_g n_g * rows_g.  Leakage: none.
    """
    groups = [_Group(g) for g in groups]
    if not groups:
        return []
    dtype = next((g.arrays[0].dtype for g in groups if g.arrays), party.ring.dtype)
    if any(g.arrays and g.arrays[0].dtype != dtype for g in groups):
        raise ValueError("shuffled arrays must share the dtype")
    for s in range(3):
        _stage(party, s, groups, dtype)
    return [g.unpack(party.pid) for g in groups]


def shuffle(party: Party, arrays):
    """Shuffle ArithShares and BoolShares arrays together along their last axis (length n).

    Every array gets the same secret permutation (so rows of a table stay together).
    All arrays must share the ring's dtype and the last dimension n.
    Cost: `costs.shuffle_cost` (rows = all rows of all arrays).
    Leakage: none (see the module docstring).
    """
    arrays = list(arrays)
    if not arrays:
        return []
    return shuffle_many(party, [arrays])[0]
