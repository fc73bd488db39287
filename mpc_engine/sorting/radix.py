"""Radix sort by shuffle-and-reveal of each pass's destinations (stable, O(k) rounds).

Hamada, Kikuchi, Ikarashi, Chida, Takahashi, "Practically efficient multi-party sorting
protocols from comparison sort algorithms", ICISC 2012; Hamada, Ikarashi, Chida, Takahashi,
"Oblivious radix sort", IACR ePrint 2014/121; PROTOCOLS.md sec. 4.  The keys are
decomposed once (`a2b`, with the sign bit flipped so that unsigned bit order is signed
order; complemented for descending order); then one stable pass per bit, from the least
significant, on the bit b (0/1) of every element:
  1. b = B2A of the bit (2 rounds);
  2. destination d = (c0 - 1) + b*(c1 - c0), c0 = cumsum(1 - b), c1 = n0 + cumsum(b),
     n0 = sum(1 - b): zeros keep their order in front, ones after them (1 round);
  3. shuffle the rows (key, payload), the key words and d together (3 rounds);
  4. reveal the shuffled d (1 round) and move every column to its destination (local).
Rounds: A + 7k (A = 2 + log2 k rounds of `a2b`: 231 for k = 32, 456 for k = 64), + 5 for
the validity pass of `filter_sort` (its bit is already arithmetic).
Words per element per pass, per party: 2 (B2A) + 1 (d) + 2R (shuffle, R rows shuffled)
+ 1 (reveal), one less for parties 1 and 2; see `radix_cost`.
Leakage: none.  The revealed d is sigma(pi) for the secret uniform shuffle sigma, i.e. a
uniformly random permutation whatever the keys; the round and byte trace depends on n only.
Stable: each pass keeps the order of equal bits, so equal keys keep their input order.
"""

from __future__ import annotations

import numpy as np

from ..party import Party
from ..protocols.arithmetic import mul, reveal
from ..protocols.boolean import a2b, bit_to_arith
from ..protocols.shuffle import shuffle
from ..sharing import ArithShares, BoolShares, concat


class NotAPermutation(ValueError):
    """The revealed destinations are not a permutation of 0..n-1: a party deviated."""


def radix_cost(n: int, rows: int, bits: int, flag: bool = False):
    """(rounds, words sent by party 0, words sent by party 1 or 2) of `radix_sort`.

    `rows` counts the key and payload rows; with `flag` the flag row is carried too.
    """
    if n == 0:
        return 0, 0, 0
    big_l = (bits - 1).bit_length()
    carried = rows + flag
    rounds = 2 + big_l + 7 * bits + (5 if flag else 0)
    other = 2 * big_l + 3 * bits + 2 * (carried + 1) * bits + 2 * (bits - 1)
    party0 = other + 1 + bits
    if flag:  # d, shuffle of the rows and d, reveal of d (+ the count word)
        other += 2 * (rows + 1) + 2
        party0 += 2 * (rows + 1) + 2
    return rounds, n * party0 + flag, n * other + flag


def key_words(party: Party, key: ArithShares, descending: bool) -> BoolShares:
    """Boolean words whose unsigned order is the signed order of the key (reversed if descending)."""
    words = a2b(party, key) ^ (1 << party.ring.msb_shift)
    return ~words if descending else words


def _destinations(party: Party, b: ArithShares) -> tuple[ArithShares, ArithShares]:
    """Shared destination of every element in a stable pass on bit b, and n0 = number of zeros."""
    zeros = 1 - b
    c0 = zeros.cumsum()
    n0 = zeros.sum()
    c1 = b.cumsum() + n0
    return (c0 - 1) + mul(party, b, c1 - c0), n0


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


def radix_pass(party: Party, rows: ArithShares, b: ArithShares, words: BoolShares | None = None,
               reveal_count: bool = False):
    """One stable pass on the bit b: returns (rows, words, count of zeros if `reveal_count`).

    Rounds: 1 + 3 + 1.  The zeros' count is revealed in the same round as d.
    """
    n = rows.shape[-1]
    d, n0 = _destinations(party, b)
    moved = shuffle(party, [concat([rows, d.reshape(1, n)])] + ([words] if words is not None else []))
    opened = reveal(party, concat([moved[0][-1], n0.reshape(1)]) if reveal_count else moved[0][-1])
    dest = _check_permutation(opened[:n], n)
    inverse = np.empty(n, dtype=np.intp)
    inverse[dest] = np.arange(n)
    rows = _place(moved[0][:-1], inverse)
    words = _place(moved[1], inverse) if words is not None else None
    return rows, words, (int(opened[n]) if reveal_count else None)


def radix_sort(party: Party, rows: ArithShares, descending: bool = False,
               flag: ArithShares | None = None):
    """Stable sort of the columns of the (r, n) matrix `rows` by row 0 (signed order).

    `flag` (arithmetic 0/1 per column, optional): a last, most significant pass puts the
    columns with flag 0 first and reveals their count.  Returns (rows, count or None).
    Cost: `radix_cost`.
    """
    n, bits = rows.shape[-1], party.ring.bits
    if n == 0:
        return rows, (0 if flag is not None else None)
    words = key_words(party, rows[0], descending)
    if flag is not None:
        rows = concat([rows, flag.reshape(1, n)])
    for j in range(bits):
        b = bit_to_arith(party, (words >> j) & 1)
        rows, words, _ = radix_pass(party, rows, b, words if j < bits - 1 else None)
    if flag is None:
        return rows, None
    rows, _, count = radix_pass(party, rows[:-1], rows[-1], None, reveal_count=True)
    return rows, count
