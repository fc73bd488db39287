"""Batcher's odd-even merge sort as a data-independent network of batched comparators.

The network is Knuth's merge exchange (TAOCP vol. 3, 5.3.4, Algorithm M; Batcher, AFIPS
1968): it sorts any n, not only powers of two.  With t = ceil(log2 n) it has t(t+1)/2
layers (no empty one has been seen; empty ones would be skipped) and about
n t(t-1)/4 + n - 1 comparators; the comparators of a layer touch disjoint positions, so
a layer is one batched comparison and one batched exchange.

One layer (L = log2 k, A = rounds of `boolean.a2b` = 2 + L):
  1. MSBs of the keys and their differences from one `a2b` of q words per comparator
     (A rounds), then one AND round for the full-range less-than (as `compare.lt`);
     the tie-breaks below add one more AND round;
  2. B2A of the swap bit c (2 rounds);
  3. the exchange d = c*(b - a); a' = a + d; b' = b - d for the key and every payload row
     in one multiplication round.
  Rounds per layer: A + 4 (11 for k = 32), or A + 5 with a tie-break (tie_break or valid);
  + 3 rounds once for the tie key's shuffle.  Exactly: `costs.network_cost`.
Leakage: none; the network and the message sizes depend on n only.

Ties: the bare network is not stable (equal keys may come out in any order, a function of
the input order).  When payload travels with the key, that order would show the portal,
which chose the input order, which company is which.  `tie_break=True`
sorts on (key, t) lexicographically with a secret tie key t: a shuffled 0..n-1 (the public
indices through `shuffle_many`, 3 rounds once per sort, before the first layer), carried as
one more row.  Equal keys then come out in the order of a secret uniform permutation,
independent of the input order; the t are distinct and below n, so the MSB of t_b - t_a
is their order.  `valid` (a boolean 0/1 per element)
puts valid elements first whatever their key (for filtering), comparing (not valid, key,
index): the validity bits are sorted with the AND round's va & vb (a' = va | vb,
b' = va & vb), so they cost no exchange.

Batched (`sort_network_many`): layer j of every problem runs in one batched layer (one
comparison, one B2A, one exchange for all their comparators); a problem with fewer layers
has none in the later ones.  Rounds: those of the largest problem; words: the sum.
"""

from __future__ import annotations

import numpy as np

from ..costs import layer_sizes, network_cost  # noqa: F401 - the cost is part of this module's API
from ..party import Party
from ..protocols.arithmetic import and_, mul
from ..protocols.boolean import a2b, bit_to_arith
from ..protocols.shuffle import shuffle_many
from ..sharing import ArithShares, BoolShares, concat, public_shares


def layers(n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The merge-exchange network for n keys: per layer, index arrays (i, j) with i < j."""
    if n < 2:
        return []
    t = (n - 1).bit_length()
    index = np.arange(n)
    out = []
    p = 1 << (t - 1)
    while p > 0:
        q, r, d = 1 << (t - 1), 0, p
        while True:
            i = index[: n - d]
            i = i[(i & p) == r]
            if len(i):
                out.append((i, i + d))
            if q == p:
                break
            d, q, r = q - p, q >> 1, p
        p >>= 1
    return out


def _and_many(party: Party, named: dict) -> dict:
    """AND of named (x, y) pairs of equal-length boolean shares, all in one round."""
    if not named:
        return {}
    m = len(next(iter(named.values()))[0])
    both = and_(party, concat([x for x, _ in named.values()]), concat([y for _, y in named.values()]))
    return {name: both[i * m:(i + 1) * m] for i, name in enumerate(named)}


def _swap_bits(party: Party, ka, kb, descending, ia=None, ib=None, va=None, vb=None):
    """Shared bit: must b go before a?  Order: valid first, then by key, then by index.

    Returns (swap, va & vb or None).  lt(x, y) over the full signed range is
    m_d ^ ((m_x ^ m_y) & (m_x ^ m_d)) with d = x - y (as `compare.lt`); a level's
    "equal" is 1 ^ lt ^ gt (never both), so each tie-break is one more AND.
    """
    m = len(ka)
    tie_break, valid = ia is not None, va is not None
    x, y = (ka, kb) if descending else (kb, ka)  # `before` (b ahead of a by key) = x < y
    parts = [ka, kb, x - y] + ([y - x, ib - ia] if tie_break else [])
    bits = (a2b(party, concat(parts)) >> party.ring.msb_shift) & 1
    col = [bits[j * m:(j + 1) * m] for j in range(len(parts))]
    m_x, m_y = (col[0], col[1]) if descending else (col[1], col[0])
    m_xy = col[0] ^ col[1]
    first = {"before": (m_xy, m_x ^ col[2])}
    if tie_break:  # the tie keys differ by less than n: the MSB of ib - ia is their order
        first["after"] = (m_xy, m_y ^ col[3])
    if valid:
        eq_v = va ^ vb ^ 1
        first["lt_v"], first["vab"] = (vb, va ^ 1), (va, vb)
    if tie_break and valid:
        first["eq_v_lt_i"] = (eq_v, col[4])
    p = _and_many(party, first)
    before = col[2] ^ p["before"]
    second = {}
    if tie_break:
        eq_k = before ^ col[3] ^ p["after"] ^ 1
        second["tie"] = (eq_k, p["eq_v_lt_i"] if valid else col[4])
    if valid:
        second["key"] = (eq_v, before)
    q = _and_many(party, second)
    swap = before if not valid else p["lt_v"] ^ q["key"]
    if tie_break:
        swap = swap ^ q["tie"]
    return swap, (p["vab"] if valid else None)


def _set_columns(x, i, j, new_i, new_j):
    a, b = x.a.copy(), x.b.copy()
    a[..., i], b[..., i] = new_i.a, new_i.b
    a[..., j], b[..., j] = new_j.a, new_j.b
    return type(x)(a, b, x.pid)


def _join(parts):
    return parts[0] if len(parts) == 1 else concat(parts)


def _spans(sizes):
    bounds = np.cumsum([0, *sizes]).tolist()
    return list(zip(bounds[:-1], bounds[1:], strict=True))


def _deltas(party: Party, c: ArithShares, ra: list, rb: list) -> list:
    """c*(rb - ra) for every problem's (r_s, c_s) rows, c_s broadcast over the rows: one round."""
    spans = _spans([x.shape[-1] for x in ra])
    if len(ra) == 1:  # broadcasting mul, no copy of c per row
        return [mul(party, c, rb[0] - ra[0])]
    cs = [c[lo:hi] for lo, hi in spans]
    wide = _join([ArithShares(np.broadcast_to(x.a, y.shape).reshape(-1),
                              np.broadcast_to(x.b, y.shape).reshape(-1), party.pid)
                  for x, y in zip(cs, ra, strict=True)])
    flat = mul(party, wide, _join([(y - x).reshape(-1) for x, y in zip(ra, rb, strict=True)]))
    sizes = [x.shape[0] * x.shape[1] for x in ra]
    return [flat[lo:hi].reshape(x.shape) for (lo, hi), x in zip(_spans(sizes), ra, strict=True)]


def _layer(party: Party, rows: list, valid, active, descending, tie_break):
    """One batched layer: the comparators (i, j) of problem s for (s, i, j) in `active`.

    Rows of problem s are an (r_s, n_s) matrix; row 0 is the key, the last the index
    when `tie_break`; `valid` is None or the problems' boolean flags.  Updates in place.
    """
    ra = [rows[s][:, i] for s, i, _ in active]
    rb = [rows[s][:, j] for s, _, j in active]
    idx = (_join([x[-1] for x in ra]), _join([x[-1] for x in rb])) if tie_break else (None, None)
    vv = (None, None)
    if valid is not None:
        vv = (_join([valid[s][i] for s, i, _ in active]), _join([valid[s][j] for s, _, j in active]))
    swap, vab = _swap_bits(party, _join([x[0] for x in ra]), _join([x[0] for x in rb]),
                           descending, *idx, *vv)
    d = _deltas(party, bit_to_arith(party, swap), ra, rb)
    spans = _spans([len(i) for _, i, _ in active])
    for (s, i, j), x, y, dx, (lo, hi) in zip(active, ra, rb, d, spans, strict=True):
        rows[s] = _set_columns(rows[s], i, j, x + dx, y - dx)
        if valid is not None:
            va, vb, both = valid[s][i], valid[s][j], vab[lo:hi]
            valid[s] = _set_columns(valid[s], i, j, va ^ vb ^ both, both)


def _with_tie_keys(party: Party, rows: list) -> list:
    """Each (r, n) matrix with one more row: a secret uniform permutation of 0..n-1 (its own
    per problem, one `shuffle_many` for all; 3 rounds, 2n words per party)."""
    sized = [i for i, r in enumerate(rows) if r.shape[-1] > 1]
    index = [[public_shares(ArithShares, np.arange(rows[i].shape[-1], dtype=rows[i].dtype), party.pid)]
             for i in sized]
    tie = dict(zip(sized, (g[0] for g in shuffle_many(party, index)), strict=True))
    out = []
    for i, r in enumerate(rows):
        t = tie[i] if i in tie else public_shares(ArithShares, np.zeros(r.shape[-1], r.dtype), party.pid)
        out.append(concat([r, t.reshape(1, r.shape[-1])], axis=0))
    return out


def sort_network_many(party: Party, problems, descending: bool = False, tie_break: bool = False,
                      valid=None) -> list:
    """`sort_network` on several (r_s, n_s) matrices at once: layer j of all in one batched layer.

    `valid`: None or one boolean flag vector per problem.  Returns [(rows, valid)].
    Rounds: `network_cost` of the largest n; words: the sum of the problems' `network_cost`.
    """
    rows = list(problems)
    valid = list(valid) if valid is not None else None
    if tie_break:
        rows = _with_tie_keys(party, rows)
    nets = [layers(r.shape[-1]) for r in rows]
    for depth in range(max((len(net) for net in nets), default=0)):
        active = [(s, *net[depth]) for s, net in enumerate(nets) if depth < len(net)]
        _layer(party, rows, valid, active, descending, tie_break)
    if tie_break:
        rows = [r[:-1] for r in rows]
    return [(r, valid[s] if valid is not None else None) for s, r in enumerate(rows)]


def sort_network(party: Party, rows: ArithShares, descending: bool = False, tie_break: bool = False,
                 valid: BoolShares | None = None):
    """Sort the columns of the (r, n) shared matrix `rows` by row 0 (signed order).

    `tie_break`: equal keys in a secret random order (see the module docstring).
    `valid`: bit-0 boolean flags per column; valid columns come first, and the flags are
    returned sorted with the rows.  Cost: `network_cost`.
    Returns (rows, valid).
    """
    return sort_network_many(party, [rows], descending, tie_break,
                             None if valid is None else [valid])[0]
