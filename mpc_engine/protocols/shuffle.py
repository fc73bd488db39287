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

Cost: 3 rounds; each party sends in two of the stages (as A and as B), n words per row
each time: 2*n*rows words per party in all (w = 4 or 8 bytes per word), 2 messages.
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


def _stream_permutation(draw, n: int) -> np.ndarray:
    """A permutation of n from a keyed stream; `draw(shape)` is the pair's common stream."""
    return permutation_from_words(draw((n,)), lambda: draw((2, n))[1])


def _split(arrays):
    """Group the arrays as (n-column matrices of arith rows, of boolean rows), remembering shapes."""
    arith = [x for x in arrays if isinstance(x, ArithShares)]
    boolean = [x for x in arrays if isinstance(x, BoolShares)]
    if len(arith) + len(boolean) != len(arrays):
        raise TypeError("shuffle takes ArithShares and BoolShares only")
    return arith, boolean


def _matrix(parts, n: int, dtype):
    """Stack the parts' components as (rows, n) matrices a and b."""
    if not parts:
        empty = np.zeros((0, n), dtype=dtype)
        return empty, empty
    a = np.concatenate([p.a.reshape(_rows(p), n) for p in parts])
    b = np.concatenate([p.b.reshape(_rows(p), n) for p in parts])
    return a, b


def _rows(x) -> int:
    return int(np.prod(x.shape[:-1], dtype=np.int64))


def _unstack(kind, a, b, parts, pid):
    out, row = [], 0
    for p in parts:
        rows = _rows(p)
        out.append(kind(a[row:row + rows].reshape(p.shape), b[row:row + rows].reshape(p.shape), pid))
        row += rows
    return out


def _stage(party: Party, s: int, ma, mb, boolean_rows: int):
    """One stage on the (rows, n) matrices; the last `boolean_rows` rows are XOR-shared."""
    rows, n = ma.shape
    dtype = ma.dtype
    tag_perm, tag_mask = party.tag(), party.tag()  # drawn by all three parties, in order
    role = (party.pid - s) % 3  # 0: A, 1: B, 2: C
    split = rows - boolean_rows
    if role == 2:
        y_s, y_s2 = party.exchange(from_next=(dtype, (rows, n)), from_prev=(dtype, (rows, n)))
        return y_s2, y_s
    common = party.common_with_next if role == 0 else party.common_with_prev
    perm = _stream_permutation(lambda shape: common(tag_perm, shape, np.uint64), n)
    r, z = common(tag_mask, (2, rows, n), dtype)
    if role == 0:
        u = np.empty_like(ma)
        np.add(ma[:split], mb[:split], out=u[:split])
        np.bitwise_xor(ma[split:], mb[split:], out=u[split:])
        y = np.take(u, perm, axis=1)  # np.take: several times faster than y[:, perm]
        y[:split] += z[:split]
        y[:split] -= r[:split]
        y[split:] ^= z[split:] ^ r[split:]
        party.exchange(to_prev=y)
        return y, r
    y = np.take(mb, perm, axis=1)
    y[:split] -= z[:split]
    y[split:] ^= z[split:]
    party.exchange(to_next=y)
    return r, y


def shuffle(party: Party, arrays):
    """Shuffle ArithShares and BoolShares arrays together along their last axis (length n).

    Every array gets the same secret permutation (so rows of a table stay together).
    All arrays must share the ring's dtype and the last dimension n.
    Rounds: 3.  Per party: 2 messages, 2*n*rows words (rows = all rows of all arrays).
    Leakage: none (see the module docstring).
    """
    arrays = list(arrays)
    if not arrays:
        return []
    n = arrays[0].shape[-1]
    dtype = arrays[0].dtype
    for x in arrays:
        if x.shape[-1] != n or x.dtype != dtype:
            raise ValueError("shuffled arrays must share the last dimension and the dtype")
    arith, boolean = _split(arrays)
    aa, ab = _matrix(arith, n, dtype)
    ba, bb = _matrix(boolean, n, dtype)
    ma, mb = np.concatenate([aa, ba]), np.concatenate([ab, bb])
    for s in range(3):
        ma, mb = _stage(party, s, ma, mb, len(ba))
    split = len(aa)
    out_arith = _unstack(ArithShares, ma[:split], mb[:split], arith, party.pid)
    out_bool = _unstack(BoolShares, ma[split:], mb[split:], boolean, party.pid)
    it_arith, it_bool = iter(out_arith), iter(out_bool)
    return [next(it_arith) if isinstance(x, ArithShares) else next(it_bool) for x in arrays]
