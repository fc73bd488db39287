"""Comparison, equality and selection on arithmetic shares (Mohassel, Rindal, "ABY3", CCS 2018, sec. 5.3).

Results are boolean shares of one bit (bit 0 of a word); `to_arith` turns them into
arithmetic 0/1 for a select or a sum.  k = ring bits, L = log2(k).
"""

from __future__ import annotations

import numpy as np

from ..party import Party
from ..sharing import ArithShares, BoolShares, component2, concat, public_shares
from .arithmetic import and_, input_known, select
from .boolean import a2b, bit_to_arith


def _is_public(y) -> bool:
    return not isinstance(y, ArithShares)


def public_comparand(party: Party, y, shape, signed: bool | None) -> np.ndarray:
    """A public comparand as ring elements of `shape`, checked against the documented range.

    An int or numpy integer, or an integer array (broadcast to `shape`): signed
    comparisons take [-2^(k-1), 2^(k-1) - 1], unsigned ones [0, 2^k - 1], equality
    either; outside, ValueError (`ring.RingValueError`).  An array of the ring's own
    dtype is taken as ring elements already.
    """
    ring = party.ring
    if isinstance(y, np.ndarray) and y.dtype == ring.dtype:
        return np.broadcast_to(y, shape).copy()
    if isinstance(y, (int, np.integer)):
        return np.full(shape, ring.constant(y, signed), dtype=ring.dtype)
    arr = np.asarray(y)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"a public comparand must be integers, got {arr.dtype}")
    flat = [ring.constant(v, signed) for v in arr.reshape(-1).tolist()]
    return np.broadcast_to(np.array(flat, dtype=ring.dtype).reshape(arr.shape), shape).copy()


def lt(party: Party, x: ArithShares, y, signed: bool = True) -> BoolShares:
    """x < y over the whole signed (or unsigned) k-bit range, as a shared bit.

    MSB(x - y) alone is wrong when x - y overflows, so with m_x, m_y, m_d the MSBs of
    x, y and x - y:  lt = m_d ^ ((m_x ^ m_y) & (m_x ^ m_d))  (if the signs differ, the
    negative one is smaller).  The MSBs come from one batched `a2b` of 3n words (2n
    when y is public, whose MSB is known), then one AND round.
    Unsigned order is signed order after adding 2^(k-1) to both sides (local).
    Cost: `costs.lt_cost` (3 + L rounds).
    """
    shift = party.ring.msb_shift
    if _is_public(y):
        y = public_comparand(party, y, x.shape, signed)
    if not signed:
        bias = party.ring.constant(1 << shift)
        x, y = x + bias, y + bias  # an array wraps silently, as the ring does
    if not _is_public(y) and x.shape != y.shape:
        raise ValueError(f"lt: shapes {x.shape} and {y.shape} do not match")
    if _is_public(y):
        n = len(x)
        bits = a2b(party, concat([x, x - y])) >> shift
        m_x, m_d = bits[:n] & 1, bits[n:] & 1
        m_y = (y >> party.ring.dtype.type(shift)) & party.ring.dtype.type(1)
        m_xy = m_x ^ m_y
    else:
        n = len(x)
        bits = a2b(party, concat([x, y, x - y])) >> shift
        m_x, m_y, m_d = bits[:n] & 1, bits[n:2 * n] & 1, bits[2 * n:] & 1
        m_xy = m_x ^ m_y
    return m_d ^ and_(party, m_xy, m_x ^ m_d)


def gt(party: Party, x: ArithShares, y, signed: bool = True) -> BoolShares:
    """x > y.  Cost: `costs.lt_cost`."""
    if _is_public(y):
        ys = public_shares(ArithShares, public_comparand(party, y, x.shape, signed), party.pid)
        return lt(party, ys, x, signed)
    return lt(party, y, x, signed)


def le(party: Party, x: ArithShares, y, signed: bool = True) -> BoolShares:
    """x <= y = not (y < x).  Cost: `costs.lt_cost`."""
    return gt(party, x, y, signed) ^ 1


def eq(party: Party, x: ArithShares, y) -> BoolShares:
    """x == y as a shared bit.

    With z = x - y: z == 0 iff u = z_0 + z_1 (known to party 0) equals v = -z_2 (known
    to parties 1 and 2).  Party 0 inputs u as boolean shares (1 round), w = u ^ v is
    local, and an AND tree folds the k bits of ~w (L rounds).
    Cost: `costs.eq_cost` (1 + L rounds).
    """
    if isinstance(y, ArithShares) and x.shape != y.shape:
        raise ValueError(f"eq: shapes {x.shape} and {y.shape} do not match")
    if _is_public(y):
        y = public_comparand(party, y, x.shape, None)
    z = x - y
    dtype, shape = z.dtype, z.shape
    u = input_known(party, 0, z.a + z.b if party.pid == 0 else None, shape, boolean=True, dtype=dtype)
    v = component2(-z, BoolShares)
    t = ~(u ^ v)
    width = dtype.itemsize * 8 // 2
    while width >= 1:
        t = and_(party, t, t >> width)
        width //= 2
    return t & 1


def to_arith(party: Party, bit: BoolShares) -> ArithShares:
    """A shared bit to arithmetic 0/1 (B2A).  Cost: `costs.bit_to_arith_cost`."""
    return bit_to_arith(party, bit)


def select_by_bit(party: Party, bit: BoolShares, x: ArithShares, y: ArithShares) -> ArithShares:
    """bit ? x : y: B2A then one multiplication.  Cost: `costs.select_by_bit_cost`."""
    return select(party, to_arith(party, bit), x, y)
