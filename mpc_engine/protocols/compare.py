"""Comparison, equality and selection on arithmetic shares (ABY3, sec. 5.3; PROTOCOLS.md 3).

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


def _msb_public(party: Party, y, shape) -> np.ndarray:
    arr = np.broadcast_to(np.asarray(party.ring.constant(y) if isinstance(y, (int, np.integer))
                                     else y, dtype=party.ring.dtype), shape)
    return (arr >> party.ring.dtype.type(party.ring.msb_shift)) & party.ring.dtype.type(1)


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
    if not signed:
        bias = 1 << shift
        x = x + bias
        y = (y + bias) if not _is_public(y) else _add_public(party, y, bias)
    if not _is_public(y) and x.shape != y.shape:
        raise ValueError(f"lt: shapes {x.shape} and {y.shape} do not match")
    if _is_public(y):
        n = len(x)
        bits = a2b(party, concat([x, x - _as_ring(party, y)])) >> shift
        m_x, m_d = bits[:n] & 1, bits[n:] & 1
        m_y = _msb_public(party, y, x.shape)
        m_xy = m_x ^ m_y
    else:
        n = len(x)
        bits = a2b(party, concat([x, y, x - y])) >> shift
        m_x, m_y, m_d = bits[:n] & 1, bits[n:2 * n] & 1, bits[2 * n:] & 1
        m_xy = m_x ^ m_y
    return m_d ^ and_(party, m_xy, m_x ^ m_d)


def _as_ring(party: Party, y):
    if isinstance(y, (int, np.integer)):
        return party.ring.constant(y)
    return np.asarray(y, dtype=party.ring.dtype)


def _add_public(party: Party, y, c: int):
    return _as_ring(party, y) + party.ring.constant(c)


def gt(party: Party, x: ArithShares, y, signed: bool = True) -> BoolShares:
    """x > y.  Cost: `costs.lt_cost`."""
    if _is_public(y):
        ys = public_shares(ArithShares, np.broadcast_to(_as_ring(party, y), x.shape).copy(), party.pid)
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
