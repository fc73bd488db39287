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
Key ranges: when every key that matters lies in a public [lo, hi] (`filter_sort` after
`validate`: the valid ones), the sort key is key - lo (hi - key descending), in [0, hi - lo],
and only its P = bits(hi - lo) low bits get a pass: A + 7P rounds (20 passes for the
employees' [0, 10^6] instead of 64).  A key outside the range (a rejected value) just lands
somewhere among the others, and its flag's pass drops it; nothing is revealed about it.
Leakage: none.  The revealed d is sigma(pi) for the secret uniform shuffle sigma, i.e. a
uniformly random permutation whatever the keys; the round and byte trace depends on n only.
Ties: each pass is stable, so equal keys would keep their input order,
which the portal chose and can link to the companies.  So a problem that carries payload
(more than one row) is first shuffled obliviously (`shuffle_many`, 3 rounds, its own
permutation): equal keys then come out in the order of a secret uniform permutation,
whatever the input order.  A bare key (one row) needs no shuffle: equal keys are equal.

Batched (`radix_sort_many`): m independent problems, of lengths n_1..n_m, are concatenated
as segments and sorted in the rounds of one sort (A + 7 max P_i whatever the n_i), bytes the
sum (`costs.radix_many_cost`), each problem with its own direction and passes.
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

from ..costs import radix_cost, radix_many_cost  # noqa: F401 - the costs are part of this module's API
from ..party import Party
from ..protocols.arithmetic import mul, reveal
from ..protocols.boolean import a2b, bit_to_arith
from ..protocols.shuffle import shuffle_many
from ..sharing import ArithShares, BoolShares, concat


class NotAPermutation(ValueError):
    """The revealed destinations are not a permutation of 0..n-1: a party deviated."""


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


def radix_pass(party: Party, rows: list[ArithShares], b: ArithShares, words=None,
               reveal_count: bool = False):
    """One stable pass on the bit b (all segments concatenated) of every problem's (r_i, n_i) rows.

    `words`: None, or one entry per problem: its key words (moved with its rows) or None (not
    carried: its last pass).  Returns (rows, words, zeros' counts if `reveal_count`).
    Rounds: 1 + 3 + 1; the counts are revealed in the same round as d.
    """
    sizes = [r.shape[-1] for r in rows]
    spans = _segments(sizes)
    words = list(words) if words is not None else [None] * len(rows)
    d, n0 = _destinations(party, b, sizes)
    groups = [[concat([r, d[lo:hi].reshape(1, hi - lo)])] + ([w] if w is not None else [])
              for r, w, (lo, hi) in zip(rows, words, spans, strict=True)]
    moved = shuffle_many(party, groups)  # one independent permutation per segment
    opened = reveal(party, _join([g[0][-1] for g in moved] + ([n0] if reveal_count else [])))
    out_rows, out_words = [], []
    for g, (lo, hi) in zip(moved, spans, strict=True):
        dest = _check_permutation(opened[lo:hi], hi - lo)
        inverse = np.empty(hi - lo, dtype=np.intp)
        inverse[dest] = np.arange(hi - lo)
        out_rows.append(_place(g[0][:-1], inverse))
        out_words.append(_place(g[1], inverse) if len(g) > 1 else None)
    counts = [int(c) for c in opened[spans[-1][1]:]] if reveal_count else None
    return out_rows, out_words, counts


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


def key_passes(ring_bits: int, key_range) -> int:
    """How many bit passes a key needs: all k, or the bits of hi - lo for a key range [lo, hi]."""
    if key_range is None:
        return ring_bits
    lo, hi = (int(v) for v in key_range)
    if lo > hi:
        raise ValueError(f"empty key range [{lo}, {hi}]")
    return min(ring_bits, (hi - lo).bit_length())


def _per_problem(value, count: int, name: str) -> list:
    if isinstance(value, (list, tuple)):
        if len(value) != count:
            raise ValueError(f"{name}: one entry per problem ({count}), got {len(value)}")
        return list(value)
    return [value] * count


def _sort_words(party: Party, keys: list, directions: list, ranges: list) -> list[BoolShares]:
    """Each problem's key as boolean words whose low passes' bits, read as an unsigned number,
    order its (valid) elements, ascending: one `a2b` for all.

    Without a range: the key's signed order (sign bit flipped; complemented if descending).
    With [lo, hi]: key - lo (hi - key if descending), in [0, hi - lo] for every element the
    range holds for; only its low bits are sorted on.  An element outside the range (a
    rejected value, dropped afterwards by its flag) gets some position: no error, no leak.
    """
    shifted = [k if r is None else ((int(r[1]) - k) if desc else (k - int(r[0])))
               for k, desc, r in zip(keys, directions, ranges, strict=True)]
    words = a2b(party, _join(shifted))
    out = []
    for (lo, hi), desc, r in zip(_segments([len(k) for k in keys]), directions, ranges, strict=True):
        w = words[lo:hi]
        if r is None:
            w = w ^ (1 << party.ring.msb_shift)
            w = ~w if desc else w
        out.append(w)
    return out


def radix_sort_many(party: Party, problems, descending=False, flags=None, ranges=None):
    """Sorts of several (r_i, n_i) matrices, each by its row 0, in the rounds of one; a
    problem with payload is shuffled first (equal keys in a secret random order).

    `descending`: one for all, or one per problem.  `flags`: None, or one arithmetic 0/1
    vector per problem (as `radix_sort`'s `flag`).  `ranges`: None, or per problem None or
    (lo, hi): a promise that every key (with flags: every key whose flag is 0, the ones the
    flag pass keeps in front) lies in [lo, hi], so that the problem is sorted on the bits of
    hi - lo only (`key_passes`), not the ring's k; problems with fewer passes sit the
    others' out.
    Returns [(rows, count or None)] in the problems' order.
    Cost: `costs.radix_many_cost` of the live problems' (n_i, r_i, passes_i).
    """
    problems = list(problems)
    count = len(problems)
    directions = _per_problem(descending, count, "descending")
    ranges = [None] * count if ranges is None else _per_problem(ranges, count, "ranges")
    flags = list(flags) if flags is not None else None
    live = [i for i, rows in enumerate(problems) if rows.shape[-1] > 0]
    out = [(rows, (0 if flags is not None else None)) for rows in problems]
    if not live:
        return out
    rows = [problems[i] for i in live]
    passes = [key_passes(party.ring.bits, ranges[i]) for i in live]
    if flags is not None:
        rows = [concat([r, flags[i].reshape(1, r.shape[-1])]) for r, i in zip(rows, live, strict=True)]
    rows = _shuffle_payload_problems(party, rows, [problems[i].shape[0] > 1 for i in live])
    words: list = [None] * len(live)
    if max(passes):
        words = _sort_words(party, [r[0] for r in rows], [directions[i] for i in live],
                            [ranges[i] for i in live])
    for j in range(max(passes)):
        active = [s for s, p in enumerate(passes) if p > j]
        b = bit_to_arith(party, _join([(words[s] >> j) & 1 for s in active]))
        carried = [words[s] if j < passes[s] - 1 else None for s in active]
        moved, moved_words, _ = radix_pass(party, [rows[s] for s in active], b, carried)
        for s, r, w in zip(active, moved, moved_words, strict=True):
            rows[s], words[s] = r, w
    counts = [None] * len(live)
    if flags is not None:
        rows, _, counts = radix_pass(party, [r[:-1] for r in rows], _join([r[-1] for r in rows]),
                                     None, reveal_count=True)
    for i, r, c in zip(live, rows, counts, strict=True):
        out[i] = (r, c)
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
