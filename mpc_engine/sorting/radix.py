"""Radix sort by shuffle-and-reveal of each pass's destinations (O(k) rounds).

Hamada, Kikuchi, Ikarashi, Chida, Takahashi, "Practically efficient multi-party sorting
protocols from comparison sort algorithms", ICISC 2012; Hamada, Ikarashi, Chida, Takahashi,
"Oblivious radix sort", IACR ePrint 2014/121.  The keys are
decomposed once (`a2b`, with the sign bit flipped so that unsigned bit order is signed
order; complemented for descending order); then one stable pass per bit, from the least
significant, on the bit b (0/1) of every element:
  1. b = B2A of the bit (2 rounds);
  2. destination d = (c0 - 1) + b*(c1 - c0), c0 = cumsum(1 - b), c1 = n0 + cumsum(b),
     n0 = sum(1 - b): zeros keep their order in front, ones after them (1 round);
  3. shuffle the rows (key, payload), the key words and d together (3 rounds);
  4. reveal the shuffled d (1 round) and move every column to its destination (local).
Rounds: A + 7k (A = 2 + log2 k rounds of `a2b`: 231 for k = 32, 456 for k = 64), + 3 for
the tie-breaking shuffle of a problem with payload, + 5 for the validity pass of
`filter_sort` (its bit is already arithmetic).
Words per element per pass, per party: 2 (B2A) + 1 (d) + 2R (shuffle, R rows shuffled)
+ 1 (reveal), one less for parties 1 and 2; exactly: `costs.radix_cost`.
Leakage: none.  The revealed d is sigma(pi) for the secret uniform shuffle sigma, i.e. a
uniformly random permutation whatever the keys; the round and byte trace depends on n only.
Ties: each pass is stable, so equal keys would keep their input order,
which the portal chose and can link to the companies.  So a problem that carries payload
(more than one row) is first shuffled obliviously (`shuffle_many`, 3 rounds, its own
permutation): equal keys then come out in the order of a secret uniform permutation,
whatever the input order.  A bare key (one row) needs no shuffle: equal keys are equal.

Batched (`radix_sort_many`): m independent problems, of lengths n_1..n_m, are concatenated
as segments and sorted in the rounds of one sort (A + 7k whatever the n_i), bytes the sum.
Per pass the destinations are computed segment-wise (cumsum and zeros' count per segment),
and every segment is shuffled by its OWN independent secret permutation (`shuffle_many`,
a block-diagonal permutation) before its d is revealed.  Privacy rests on this: each
revealed d is then a uniform permutation of its segment, independent of the other
segments'.  One permutation shared across segments would make the revealed d's of two
segments a function of the same secret, so together they would link the order of one
indicator to the order of another: exactly the linkage that sorting each indicator on
its own must avoid.  With flags, one zeros' count per problem is revealed, nothing else.
"""

from __future__ import annotations

import numpy as np

from ..costs import radix_cost  # noqa: F401 - the cost is part of this module's API
from ..party import Party
from ..protocols.arithmetic import mul, reveal
from ..protocols.boolean import a2b, bit_to_arith
from ..protocols.shuffle import shuffle_many
from ..sharing import ArithShares, BoolShares, concat


class NotAPermutation(ValueError):
    """The revealed destinations are not a permutation of 0..n-1: a party deviated."""


def key_words(party: Party, key: ArithShares, descending: bool) -> BoolShares:
    """Boolean words whose unsigned order is the signed order of the key (reversed if descending)."""
    words = a2b(party, key) ^ (1 << party.ring.msb_shift)
    return ~words if descending else words


def _segments(sizes) -> list[tuple[int, int]]:
    bounds = np.cumsum([0, *sizes])
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))


def _join(parts):
    return parts[0] if len(parts) == 1 else concat(parts)


def _destinations(party: Party, b: ArithShares, sizes) -> tuple[ArithShares, ArithShares]:
    """Shared destination of every element in a stable pass on bit b, segment by segment,
    and each segment's number of zeros n0 (one round for all segments)."""
    zeros = 1 - b
    c0, c1, n0 = [], [], []
    for lo, hi in _segments(sizes):
        count = zeros[lo:hi].sum().reshape(1)
        c0.append(zeros[lo:hi].cumsum())
        c1.append(b[lo:hi].cumsum() + count)  # count (1,) broadcasts over the segment
        n0.append(count)
    c0, c1 = _join(c0), _join(c1)
    return (c0 - 1) + mul(party, b, c1 - c0), _join(n0)


def _check_permutation(dest: np.ndarray, n: int) -> np.ndarray:
    if len(dest) and int(dest.max()) >= n:
        raise NotAPermutation("revealed destination out of range")
    dest = dest.astype(np.intp)
    seen = np.zeros(n, dtype=bool)
    seen[dest] = True
    if not seen.all():
        raise NotAPermutation("revealed destinations repeat")
    return dest


def _place(x, inverse: np.ndarray):
    """Column j of the result is column inverse[j] of x (np.take beats a scatter)."""
    return type(x)(np.take(x.a, inverse, axis=-1), np.take(x.b, inverse, axis=-1), x.pid)


def radix_pass(party: Party, rows: list[ArithShares], b: ArithShares, words: BoolShares | None = None,
               reveal_count: bool = False):
    """One stable pass on the bit b (all segments concatenated) of every problem's (r_i, n_i) rows.

    Returns (rows, words, zeros' counts if `reveal_count`).  Rounds: 1 + 3 + 1; the
    counts are revealed in the same round as d.
    """
    sizes = [r.shape[-1] for r in rows]
    spans = _segments(sizes)
    d, n0 = _destinations(party, b, sizes)
    groups = [[concat([r, d[lo:hi].reshape(1, hi - lo)])] + ([words[lo:hi]] if words is not None else [])
              for r, (lo, hi) in zip(rows, spans, strict=True)]
    moved = shuffle_many(party, groups)  # one independent permutation per segment
    opened = reveal(party, _join([g[0][-1] for g in moved] + ([n0] if reveal_count else [])))
    out_rows, out_words = [], []
    for g, (lo, hi) in zip(moved, spans, strict=True):
        dest = _check_permutation(opened[lo:hi], hi - lo)
        inverse = np.empty(hi - lo, dtype=np.intp)
        inverse[dest] = np.arange(hi - lo)
        out_rows.append(_place(g[0][:-1], inverse))
        if words is not None:
            out_words.append(_place(g[1], inverse))
    counts = [int(c) for c in opened[spans[-1][1]:]] if reveal_count else None
    return out_rows, (_join(out_words) if words is not None else None), counts


def _shuffle_payload_problems(party: Party, rows: list, has_payload: list) -> list:
    """Every problem with payload shuffled by its own secret permutation (one `shuffle_many`):
    the stable passes then order equal keys by that permutation, not by the input order."""
    chosen = [i for i, yes in enumerate(has_payload) if yes]
    if not chosen:
        return rows
    moved = shuffle_many(party, [[rows[i]] for i in chosen])
    rows = list(rows)
    for i, (m,) in zip(chosen, moved, strict=True):
        rows[i] = m
    return rows


def radix_sort_many(party: Party, problems, descending: bool = False, flags=None):
    """Sorts of several (r_i, n_i) matrices, each by its row 0, in the rounds of one; a
    problem with payload is shuffled first (equal keys in a secret random order).

    `flags`: None, or one arithmetic 0/1 vector per problem (as `radix_sort`'s `flag`).
    Returns [(rows, count or None)] in the problems' order.  Rounds: the largest
    `radix_cost` of the problems (0 if all are empty); words: the sum of their `radix_cost`.
    """
    problems = list(problems)
    flags = list(flags) if flags is not None else None
    live = [i for i, rows in enumerate(problems) if rows.shape[-1] > 0]
    out = [(rows, (0 if flags is not None else None)) for rows in problems]
    if not live:
        return out
    rows = [problems[i] for i in live]
    bits = party.ring.bits
    if flags is not None:
        rows = [concat([r, flags[i].reshape(1, r.shape[-1])]) for r, i in zip(rows, live, strict=True)]
    rows = _shuffle_payload_problems(party, rows, [problems[i].shape[0] > 1 for i in live])
    words = key_words(party, _join([r[0] for r in rows]), descending)
    for j in range(bits):
        b = bit_to_arith(party, (words >> j) & 1)
        rows, words, _ = radix_pass(party, rows, b, words if j < bits - 1 else None)
    counts = [None] * len(live)
    if flags is not None:
        rows, _, counts = radix_pass(party, [r[:-1] for r in rows], _join([r[-1] for r in rows]),
                                     None, reveal_count=True)
    for i, r, count in zip(live, rows, counts, strict=True):
        out[i] = (r, count)
    return out


def radix_sort(party: Party, rows: ArithShares, descending: bool = False,
               flag: ArithShares | None = None):
    """Sort the columns of the (r, n) matrix `rows` by row 0 (signed order); equal keys in a
    secret random order when there is payload (r > 1).

    `flag` (arithmetic 0/1 per column, optional): a last, most significant pass puts the
    columns with flag 0 first and reveals their count.  Returns (rows, count or None).
    Cost: `radix_cost`.
    """
    return radix_sort_many(party, [rows], descending, None if flag is None else [flag])[0]
