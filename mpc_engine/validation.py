"""Input validation inside MPC: a value outside its indicator's range counts as not submitted.

A member who types 10^9 employees must not distort a published report, and no single
miner may learn whose value was rejected: the range test runs on shares, and only the
number of rejected values of the whole column is revealed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import costs
from .party import Party
from .protocols.arithmetic import and_, reveal
from .protocols.compare import eq, lt, to_arith
from .sharing import ArithShares, concat, public_shares


@dataclass(frozen=True)
class Bounds:
    """An indicator's allowed range [lo, hi], in encoded (integer or scaled fixed-point) units."""

    lo: int
    hi: int

    def __post_init__(self):
        if self.lo > self.hi:
            raise ValueError(f"empty range: lo {self.lo} > hi {self.hi}")

    def check_fits(self, ring) -> None:
        """ValueError unless both bounds lie in the ring's signed range: values are compared
        as signed, so a bound outside it would wrap (Bounds(0, 2^31) at k = 32 became
        [0, -2^31] and rejected every value)."""
        if not ring.signed_min <= self.lo <= self.hi <= ring.signed_max:
            raise ValueError(f"bounds [{self.lo}, {self.hi}] do not fit the signed {ring.bits}-bit "
                             f"ring [{ring.signed_min}, {ring.signed_max}]")


def validate(party: Party, values: ArithShares, submitted: ArithShares, bounds: Bounds):
    """(valid, rejected) of one column; see `validate_many`."""
    valids, rejected = validate_many(party, [(values, submitted, bounds)])
    return valids[0], rejected[0]


def validate_many(party: Party, columns):
    """For columns of (values, submitted, bounds): each column's shared 0/1 `valid` and revealed
    count of rejected values, all columns batched in the rounds of one.

    A submitted flag other than exactly 1 counts as not submitted (a browser could send
    anything).  valid = (flag == 1) & (lo <= v) & (v <= hi).  Both range tests run as
    one batched `lt` of 2N elements (N = all columns' elements).  More than
    `costs.VALIDATION_CHUNK_ELEMENTS` elements in all are tested in sequential chunks
    (the tests' temporaries, a dozen words per element, stay bounded: ~1.5 GB per party at
    N = 10^6, k = 64, in one piece), the counts revealed once at the end.
    Cost: `costs.validate_cost`.  Reveals per column only sum(flag == 1) - sum(valid).
    """
    ring = party.ring
    for _, _, bounds in columns:
        bounds.check_fits(ring)  # before any round: every party raises alike
    sizes = [len(values) for values, _, _ in columns]
    values = concat([c[0] for c in columns])
    submitted = concat([c[1] for c in columns])
    lo = _per_element(ring, sizes, [c[2].lo for c in columns])
    hi = _per_element(ring, sizes, [c[2].hi for c in columns])
    step = costs.VALIDATION_CHUNK_ELEMENTS
    parts = [_valid_and_flagged(party, values[a:a + step], submitted[a:a + step], lo[a:a + step],
                                hi[a:a + step]) for a in range(0, max(len(values), 1), step)]
    valid_a = parts[0][0] if len(parts) == 1 else concat([v for v, _ in parts])
    flagged_a = parts[0][1] if len(parts) == 1 else concat([f for _, f in parts])
    bounds_at = np.cumsum([0, *sizes])
    diff = flagged_a - valid_a
    spans = list(zip(bounds_at[:-1], bounds_at[1:], strict=True))
    rejected = reveal(party, concat([diff[a:b].sum().reshape(1) for a, b in spans]))
    valids = [valid_a[a:b] for a, b in spans]
    return valids, [int(r) for r in rejected]


def _valid_and_flagged(party: Party, values, submitted, lo, hi):
    """Arithmetic 0/1 of (flag == 1) & lo <= v <= hi, and of flag == 1, for one chunk."""
    total = len(values)
    lo_s, hi_s = (public_shares(ArithShares, bound, party.pid) for bound in (lo, hi))
    outside = lt(party, concat([values, hi_s]), concat([lo_s, values]))  # v < lo, hi < v
    flagged = eq(party, submitted, 1)
    valid = and_(party, and_(party, flagged, (outside[:total] ^ 1) & 1), (outside[total:] ^ 1) & 1)
    both = to_arith(party, concat([valid, flagged]))
    return both[:total], both[total:]


def _per_element(ring, sizes, bounds) -> np.ndarray:
    return np.concatenate([np.full(n, ring.constant(b), dtype=ring.dtype)
                           for n, b in zip(sizes, bounds, strict=True)])
