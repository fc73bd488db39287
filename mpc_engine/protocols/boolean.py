"""Conversions between arithmetic and boolean sharing (ABY3: Mohassel, Rindal, CCS 2018, sec. 5.3).

Boolean shares are bit-sliced: one k-bit word per element, so one AND of whole words
is k ANDs at once.  k = 32 or 64 (the ring), L = log2(k).
"""

from __future__ import annotations

from ..party import Party
from ..sharing import ArithShares, BoolShares, component2, concat
from .arithmetic import and_, input_known, mul


def a2b(party: Party, x: ArithShares) -> BoolShares:
    """Bit decomposition: XOR shares of the k bits of x.

    Party 0 knows x_0 + x_1 and inputs it as boolean shares (1 round, party 0 only
    sends n words); x_2 is boolean-shared locally; a Kogge-Stone adder adds the two:
    g = y & x2 (1 round), then the L rounds of `carries`.
    Cost: `costs.a2b_cost` (2 + L rounds).
    x must have at least one dimension (batch several inputs with `sharing.concat`).
    """
    dtype, shape = x.dtype, x.shape
    y = input_known(party, 0, x.a + x.b if party.pid == 0 else None, shape, boolean=True, dtype=dtype)
    x2 = component2(x, BoolShares)
    p = y ^ x2
    return p ^ (carries(party, and_(party, y, x2), p) << 1)


def carries(party: Party, g: BoolShares, p: BoolShares, width: int | None = None) -> BoolShares:
    """Kogge-Stone on generate g and propagate p: bit i of the result is the carry out of bit i.

    L levels `g ^= p & (g << d); p &= p << d` (ABY3 sec. 5.3), both ANDs of a level in
    one round; the last level needs no new p.  L rounds, 2L - 1 words per element.
    `width` W < k: only the carries of the low W bits are right (the bits above are
    garbage), in log2(W) levels (rounded up) instead of L.
    """
    bits, n, d = width or g.dtype.itemsize * 8, len(g), 1
    while d < bits:
        if 2 * d >= bits:
            g = g ^ and_(party, p, g << d)
        else:
            both = and_(party, concat([p, p]), concat([g << d, p << d]))
            g, p = g ^ both[:n], both[n:]
        d *= 2
    return g


def msb(party: Party, x: ArithShares) -> BoolShares:
    """The most significant bit of x as a boolean share in bit 0 of a word.  Cost: `costs.a2b_cost`."""
    bits = x.dtype.itemsize * 8
    return (a2b(party, x) >> (bits - 1)) & 1


def bit_to_arith(party: Party, b: BoolShares) -> ArithShares:
    """B2A of one bit (the word holds 0 or 1) into arithmetic shares of 0 or 1.

    b = b0 ^ b1 ^ b2; party 0 knows u = b0 ^ b1 and inputs it (1 round, party 0 sends
    n words); b2 is arithmetic-shared locally; b = u + b2 - 2*u*b2 (1 round).
    Cost: `costs.bit_to_arith_cost` (2 rounds).
    """
    dtype, shape = b.dtype, b.shape
    u = input_known(party, 0, (b.a ^ b.b) & 1 if party.pid == 0 else None, shape, dtype=dtype)
    b2 = component2(b & 1, ArithShares)
    return u + b2 - mul(party, u, b2) * 2
