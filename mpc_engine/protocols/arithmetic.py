"""Arithmetic over replicated shares: input, resharing, multiplication, reveal.

Costs (`mpc_engine.costs`) are per party for a vector of n elements of the ring's word
size (4 bytes for Z_2^32, 8 for Z_2^64); every protocol costs the same rounds for any n.
Araki, Furukawa, Lindell, Nof, Ohara, CCS 2016, sections 2-3.
"""

from __future__ import annotations

import numpy as np

from ..party import Party
from ..sharing import ArithShares, BoolShares


def _ops(boolean: bool):
    return (np.bitwise_xor, np.bitwise_and) if boolean else (np.add, np.multiply)


def reshare(party: Party, z: np.ndarray, boolean: bool = False):
    """Turn additive 3-out-of-3 shares z_i into replicated shares.

    Masks z_i with a zero-sharing, sends it to party i-1, receives z_{i+1} from
    party i+1.  Cost: `costs.mul_cost`.
    """
    plus, _ = _ops(boolean)
    z = plus(z, party.zero_sharing(z.shape, boolean, z.dtype))
    (z_next,) = party.exchange(to_prev=z, from_next=(z.dtype, z.shape))
    return (BoolShares if boolean else ArithShares)(z, z_next, party.pid)


def from_additive(party: Party, share: np.ndarray) -> ArithShares:
    """A browser's additive share s_i (one per party) to replicated shares. 1 round, n*w bytes."""
    return reshare(party, party.ring.check(np.asarray(share), "additive share"))


def input_known(party: Party, owner: int, value, shape, boolean: bool = False, dtype=None):
    """Share a value that party `owner` knows (the others pass value=None).

    Components: c_{o+1} = F(k_{o+1}) (owner and party o+1 derive it), c_{o+2} = 0,
    c_o = value - c_{o+1}, sent by the owner to party o-1.  Party o+1 sees (r, 0) and
    party o-1 sees (0, value - r): both uniform.  Cost: `costs.input_cost` (only the owner
    sends; the cost function is for owner 0).
    """
    dtype = np.dtype(dtype or party.ring.dtype)
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(shape)
    kind = BoolShares if boolean else ArithShares
    tag = party.tag()
    zero = np.zeros(shape, dtype=dtype)
    if party.pid == owner:
        r = party.common_with_next(tag, shape, dtype)
        c = (value ^ r) if boolean else (value - r)
        party.exchange(to_prev=c)
        return kind(c, r, party.pid)
    if party.pid == (owner + 1) % 3:
        r = party.common_with_prev(tag, shape, dtype)
        party.exchange()
        return kind(r, zero, party.pid)
    (c,) = party.exchange(from_next=(dtype, shape))
    return kind(zero, c.copy(), party.pid)


def mul(party: Party, x, y):
    """Elementwise product (AND for `BoolShares`) of two shared arrays, broadcasting.

    z_i = x_i*y_i + x_i*y_{i+1} + x_{i+1}*y_i + alpha_i, then reshared.
    Cost: `costs.mul_cost` (n = the broadcast size).
    """
    boolean = isinstance(x, BoolShares)
    if boolean != isinstance(y, BoolShares):
        raise TypeError("mul needs two shares of the same kind")
    try:
        np.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        raise ValueError(f"mul: shapes {x.shape} and {y.shape} do not match") from None
    plus, times = _ops(boolean)
    z = plus(plus(times(x.a, y.a), times(x.a, y.b)), times(x.b, y.a))
    return reshare(party, z, boolean)


def and_(party: Party, x: BoolShares, y: BoolShares) -> BoolShares:
    """Bitwise AND of two XOR-shared word arrays.  Cost: `costs.mul_cost`."""
    return mul(party, x, y)


def reveal(party: Party, x):
    """Open x to all three parties: party i-1 sends its x_{i-1} to party i.
    Cost: `costs.reveal_cost`."""
    (missing,) = party.exchange(to_next=x.a, from_prev=(x.a.dtype, x.a.shape))
    if isinstance(x, BoolShares):
        return x.a ^ x.b ^ missing
    return x.a + x.b + missing


def output_pair(x) -> tuple[np.ndarray, np.ndarray]:
    """This party's pair, to send to an output party (the portal), which checks and reconstructs it
    with `sharing.reconstruct_replicated`.  No round among the parties; 2*n*w bytes to the output party.
    """
    return x.a.copy(), x.b.copy()


def select(party: Party, c: ArithShares, x: ArithShares, y: ArithShares) -> ArithShares:
    """c ? x : y for a shared arithmetic bit c: y + c*(x - y).  Cost: `costs.mul_cost`."""
    return y + mul(party, c, x - y)
