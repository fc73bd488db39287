"""Integer and fixed-point division on replicated shares (Catrina, Saxena, FC 2010; restoring long division).

k = ring bits, L = log2(k), w = k/8 bytes per word, n elements; every cost below is
per party and independent of the data.

* `div_public`: floor(x / d) for a public d, exact, by splitting x into a value party 0
  knows plus one parties 1 and 2 know and correcting the two quotients with carry
  chains (the idea behind ABY3's exact truncation, sec. 5.1.1, worked out for any d).
* `div`, `div_or_flag`, `div_fixed`: secret / secret, truncated toward zero, by
  non-restoring long division on bit-sliced boolean shares (one k-bit word per
  element): each quotient bit is one boolean adder (Kogge-Stone, ABY3 sec. 5.3),
  1 + L rounds, and the add-or-subtract choice is local (XOR with the sign).
  A zero divisor gives quotient 0 (and ok = 0 from `div_or_flag`), never an error.

Rounding differs on purpose: `div_public` floors (as `>>` and Python's `//`: what an
average of fixed-point values wants), the secret / secret ones truncate toward zero
(as C, and as the "added value per employee" rows expect).
Costs: `costs.div_cost`, `costs.div_public_cost`; measured figures in docs/performance.md.
"""

from __future__ import annotations

import numpy as np

from .. import costs
from ..party import Party
from ..sharing import ArithShares, BoolShares, component2, concat, public_shares, stack
from .arithmetic import and_, input_known, reshare
from .boolean import bit_to_arith, carries


# -- boolean building blocks ---------------------------------------------------------------------
def _mask(bit: BoolShares) -> BoolShares:
    """Bit 0 of each word copied to all k bits; local, as broadcasting is XOR-linear."""
    return BoolShares(-(bit.a & 1), -(bit.b & 1), bit.pid)


def _and_xor(party: Party, pairs) -> BoolShares:
    """XOR of the ANDs x & y over `pairs` with one reshare: 1 round, 1 word per element."""
    z = None
    for x, y in pairs:
        t = (x.a & y.a) ^ (x.a & y.b) ^ (x.b & y.a)
        z = t if z is None else z ^ t
    return reshare(party, z, boolean=True)


def _bits_and_zero_test(party: Party, v: ArithShares, rows: slice):
    """Bits of v (as `boolean.a2b`) and, for v[rows], the bit [v == 0], in the a2b's rounds.

    The zero test is `compare.eq`'s AND tree on the a2b's own input, its L levels riding
    in the a2b's L prefix rounds.  Rounds: 2 + L.  Words per element: 2L for the bits
    (+1 at party 0), + L per tested element.
    """
    dtype, shape, bits = v.dtype, v.shape, v.dtype.itemsize * 8
    y = input_known(party, 0, v.a + v.b if party.pid == 0 else None, shape, boolean=True, dtype=dtype)
    x2, neg2 = component2(v, BoolShares), component2(-v, BoolShares)
    t = ~(y[rows] ^ neg2[rows])  # all ones iff v0 + v1 == -v2
    p0, n = y ^ x2, len(y)
    g, p, d = and_(party, y, x2), p0, 1
    while d < bits:
        width = bits // (2 * d)
        if 2 * d >= bits:
            both = and_(party, concat([p, t]), concat([g << d, t >> width]))
            g, t = g ^ both[:n], both[n:]
        else:
            both = and_(party, concat([p, p, t]), concat([g << d, p << d, t >> width]))
            g, p, t = g ^ both[:n], both[n:2 * n], both[2 * n:]
        d *= 2
    return p0 ^ (g << 1), t & 1


# -- secret / secret ----------------------------------------------------------------------------
def _long_division(party: Party, ax: BoolShares, ay: BoolShares, frac_bits: int,
                   dividend_bits: int | None = None, divisor_bits: int | None = None) -> BoolShares:
    """Non-restoring division of |x| * 2^f by |y| (1 <= |y| <= 2^(k-1)): the low k quotient bits.

    `dividend_bits` B: |x| < 2^B promised, so the quotient has B + f bits and the steps start
    there: from r = 0 the first step gives b - |y|, exactly what the full run reaches from its
    r = -|y| (restoring remainder 0) after the k - B zero bits above.  An |x| that breaks the
    promise gets a wrong quotient (its bits above B are ignored), never an error.
    `divisor_bits` D: |y| < 2^D promised, so r, 2r + b and +-|y| fit D + 2 signed bits and
    each step adds only those (`costs.adder_width`): the carry chain is shorter (5 levels
    for D = 20 instead of 6 at k = 64), and the sign is bit D + 1.  Bits above are garbage,
    never read (carries only move up).  A larger |y| gives a wrong quotient, no error.

    Invariant r in [-|y|, |y|): r >= 0 gives r' = 2r + b - |y|, r < 0 gives 2r + b + |y|,
    and either lies in [-|y|, |y|) again, so inside the signed k-bit range although 2r + b
    may not be: the sum taken mod 2^k has the right sign bit.  The quotient bit is
    [new r >= 0], the same bits as restoring division (Knuth 4.3.1; Hennessy-Patterson
    App. J).  Subtracting is adding ~|y| with carry-in 1, so the choice is an XOR with
    the sign: local.  Per step 1 + L rounds (one AND round, the carry chain), 2L words
    (see `costs.div_cost`).
    """
    k = ax.dtype.itemsize * 8
    width = costs.adder_width(k, divisor_bits)
    zeros = public_shares(BoolShares, np.zeros(ax.shape, dtype=ax.dtype), party.pid)
    r, s, q = zeros, zeros, zeros
    for pos in range(costs.division_steps(k, frac_bits, dividend_bits) - 1, -1, -1):
        src = pos - frac_bits
        rp = (r << 1) ^ ((ax >> src) & 1) if src >= 0 else r << 1
        cin = s ^ 1
        o = ay ^ _mask(cin)  # ~|y| when subtracting
        p = rp ^ o
        g = _and_xor(party, [(rp, o), (p, cin)])  # carry-in enters as bit 0's generate
        r = p ^ (carries(party, g, p, width) << 1) ^ cin
        s = (r >> (width - 1)) & 1
        if pos < k:
            q = q ^ ((s ^ 1) << pos)
    return q


def _operand_bits(party: Party, x: ArithShares, y: ArithShares, signed: bool):
    """|x|, |y| as boolean words, the quotient's sign bit, and [y == 0].

    Signed: one a2b of (x, -x, y, -y), then |v| = v ^ (s_v & (v ^ -v)) in 1 round.
    Rounds 3 + L (signed) or 2 + L; words 8L + L + 2 (signed) or 4L + L.
    """
    n = len(x)
    if not signed:
        bits, zero = _bits_and_zero_test(party, concat([x, y]), slice(n, 2 * n))
        sign = public_shares(BoolShares, np.zeros(x.shape, dtype=x.dtype), party.pid)
        return bits[:n], bits[n:], sign, zero
    bits, zero = _bits_and_zero_test(party, concat([x, -x, y, -y]), slice(2 * n, 3 * n))
    top = x.dtype.itemsize * 8 - 1
    sx, sy = (bits[:n] >> top) & 1, (bits[2 * n:3 * n] >> top) & 1
    plain, flip = concat([bits[:n], bits[2 * n:3 * n]]), concat([bits[n:2 * n], bits[3 * n:]])
    absolute = plain ^ and_(party, concat([_mask(sx), _mask(sy)]), plain ^ flip)
    return absolute[:n], absolute[n:], sx ^ sy, zero


def _to_signed_arith(party: Party, q: BoolShares, sign: BoolShares, zero: BoolShares, width: int):
    """ok ? (sign ? -q : q) : 0 and ok = [divisor != 0], arithmetic; q has `width` <= k bits.

    -q = ~q + 1, so the value is sum_j 2^j ((q ^ sign)_j & ok) + (sign & ok): one AND round
    (2 words), then B2A of the width + 2 bits (`_bits_to_weighted_arith`: 2 rounds, 2 words,
    + width + 2 at party 0).  The bits of ~q above the width all equal the sign s, worth
    s (2^k - 2^width) = -s 2^width: folded into the sign bit's weight, 1 - 2^width.
    """
    k, n = q.dtype.itemsize * 8, len(q)
    ok = zero ^ 1
    masked = and_(party, concat([q ^ _mask(sign), sign]), concat([_mask(ok), ok]))
    rows = [(masked[:n] >> j) & 1 for j in range(width)] + [masked[n:]]
    value_weights = [1 << j for j in range(width)] + [(1 - (1 << width)) % (1 << k), 0]
    return _bits_to_weighted_arith(party, rows + [ok & 1], [value_weights, [0] * (width + 1) + [1]])


def _bits_to_weighted_arith(party: Party, rows: list, weights: list) -> tuple:
    """For boolean bits b_j (bit 0 of each word; rows of n) and public weight vectors w,
    the arithmetic sum_j w_j b_j for every w.

    B2A per bit as `boolean.bit_to_arith` (party 0 inputs u_j = b_j0 ^ b_j1, b_j2 is a
    component: b_j = u_j + b_j2 - 2 u_j b_j2), but the products u_j b_j2 are summed with
    their weights BEFORE the one resharing (the local part of `mul` is linear), so the
    second round carries one word per weight vector, not one per bit, and the rows are
    processed one at a time (memory: a few rows, not a dozen (k + 2)-row temporaries).
    2 rounds; party 0 sends len(rows) words per element, then every party len(weights).
    """
    dtype, n = rows[0].dtype, len(rows[0])
    bits = stack(rows)
    u = input_known(party, 0, (bits.a ^ bits.b) & 1 if party.pid == 0 else None, bits.shape, dtype=dtype)
    del bits
    sums = [np.zeros(n, dtype=dtype) for _ in weights]  # the linear part u_j + b_j2, this party's a
    sums_b = [np.zeros(n, dtype=dtype) for _ in weights]
    products = np.zeros((len(weights), n), dtype=dtype)  # local part of sum_j w_j u_j b_j2
    for j, row in enumerate(rows):
        b2 = component2(row & 1, ArithShares)
        uj = u[j]
        local = uj.a * b2.a + uj.a * b2.b + uj.b * b2.a
        for m, w in enumerate(weights):
            if w[j]:
                c = dtype.type(w[j])
                sums[m] += (uj.a + b2.a) * c
                sums_b[m] += (uj.b + b2.b) * c
                products[m] += local * c
    products = reshare(party, products)
    return tuple(ArithShares(a, b, party.pid) - products[m] * 2
                 for m, (a, b) in enumerate(zip(sums, sums_b, strict=True)))


# Memory: the last step converts k + 2 bits per element to arithmetic shares, (k + 2) words
# per element in party 0's input message and its masks: with `_bits_to_weighted_arith`
# about 3.3 kB per element at k = 64 (474 MiB peak per party at n = 131,072, measured;
# 7.7 kB before it summed the products ahead of the resharing).  Longer vectors are
# divided in chunks of DIVISION_CHUNK_ELEMENTS (262,144), one after another, so a party's
# peak stays under about 1 GiB at k = 64 whatever n; each chunk costs the rounds of one.
DIVISION_CHUNK_ELEMENTS = costs.DIVISION_CHUNK_ELEMENTS


def check_unsigned_divisor_max(ring_bits: int, divisor_max: int) -> None:
    """ValueError unless an unsigned divisor bounded by `divisor_max` meets the precondition
    y <= 2^(k-1) of unsigned division (a larger divisor gives a wrong quotient, silently:
    the long division's remainder would leave the signed range its sign test relies on)."""
    limit = 1 << (ring_bits - 1)
    if not 0 <= int(divisor_max) <= limit:
        raise ValueError(f"unsigned division needs divisors in [1, 2^{ring_bits - 1}] = [1, {limit}]; "
                         f"the divisor's bound {int(divisor_max)} allows more")


def _divide(party: Party, x: ArithShares, y: ArithShares, frac_bits: int, signed: bool,
            divisor_max: int | None = None, dividend_max: int | None = None):
    if x.shape != y.shape:
        raise ValueError("dividend and divisor must have the same shape")
    if frac_bits < 0:
        raise ValueError("frac_bits must be >= 0")
    if divisor_max is not None and not signed:
        check_unsigned_divisor_max(party.ring.bits, divisor_max)
    if dividend_max is not None and int(dividend_max) < 0:
        raise ValueError("dividend_max bounds |x|: it must be >= 0")
    dividend_bits = None if dividend_max is None else int(dividend_max).bit_length()
    divisor_bits = None if divisor_max is None else abs(int(divisor_max)).bit_length()
    shape = x.shape
    x, y = x.reshape(-1), y.reshape(-1)
    step = DIVISION_CHUNK_ELEMENTS
    parts = [_divide_flat(party, x[lo:lo + step], y[lo:lo + step], frac_bits, signed, dividend_bits,
                          divisor_bits)
             for lo in range(0, max(len(x), 1), step)]
    quotient = parts[0][0] if len(parts) == 1 else concat([q for q, _ in parts])
    ok = parts[0][1] if len(parts) == 1 else concat([o for _, o in parts])
    return quotient.reshape(shape), ok.reshape(shape)


def _divide_flat(party: Party, x: ArithShares, y: ArithShares, frac_bits: int, signed: bool,
                 dividend_bits: int | None, divisor_bits: int | None):
    ax, ay, sign, zero = _operand_bits(party, x, y, signed)
    q = _long_division(party, ax, ay, frac_bits, dividend_bits, divisor_bits)
    k = party.ring.bits
    return _to_signed_arith(party, q, sign, zero, costs.quotient_bits(k, frac_bits, dividend_bits))


def div_or_flag(party: Party, x: ArithShares, y: ArithShares, signed: bool = True,
                frac_bits: int = 0, divisor_max: int | None = None,
                dividend_max: int | None = None) -> tuple[ArithShares, ArithShares]:
    """(x * 2^f / y truncated toward zero, ok = [y != 0]) as arithmetic shares; 0 where y == 0.

    Signed: the whole range |x|, |y| <= 2^(k-1); -2^(k-1) / -1 wraps to -2^(k-1) (as C on
    two's complement).  Unsigned (`signed=False`): 0 <= x < 2^k and 1 <= y <= 2^(k-1): a
    larger divisor gives a wrong quotient, which the parties cannot see (y is secret).
    Pass the divisor's known upper bound (e.g. its indicator's `Bounds.hi`) as
    `divisor_max` and an unsigned division that could break the precondition raises
    ValueError before any round (`check_unsigned_divisor_max`).  `divisor_max` is also a
    promise that |y| <= divisor_max for every quotient that will be used: each step's adder
    is then bits(divisor_max) + 2 bits wide, a shorter carry chain (`costs.adder_width`); a
    larger |y| (a rejected value, dropped later) gets a wrong quotient, no error.
    A zero divisor raises nothing and leaks nothing: the quotient is 0 and ok is 0.
    `dividend_max`: a public bound on |x| (e.g. from the numerator's indicator range) that
    every quotient that will be used respects; the long division then takes B + f steps,
    B = bits(dividend_max), instead of k + f (41 instead of 64 for 10^12 at k = 64).  An
    element beyond it (a rejected value, dropped later) gets a wrong quotient, no error.
    Long division (Knuth 4.3.1) on boolean shares, K = k + f (or B + f) steps:
    Cost: `costs.div_cost` (per chunk of DIVISION_CHUNK_ELEMENTS about K(1 + L) rounds;
    O(L K) words per element).
    """
    return _divide(party, x, y, frac_bits, signed, divisor_max, dividend_max)


def div(party: Party, x: ArithShares, y: ArithShares, signed: bool = True,
        divisor_max: int | None = None) -> ArithShares:
    """x / y truncated toward zero (0 where y == 0); preconditions and `divisor_max` as
    `div_or_flag`.  Cost: `costs.div_cost`."""
    return _divide(party, x, y, 0, signed, divisor_max)[0]


def div_fixed(party: Party, x: ArithShares, y: ArithShares, frac_bits: int = 16,
              signed: bool = True) -> ArithShares:
    """trunc(x * 2^f / y): a fixed-point quotient with f fractional bits, 0 where y == 0.

    Exact long division over k + f steps (f zero bits shifted in), so |q * 2^-f - x/y|
    < 2^-f, truncated toward zero.  Valid while |x/y| * 2^f < 2^(k-1) (else the result
    wraps).  Cost: `costs.div_cost` with frac_bits = f.
    """
    return _divide(party, x, y, frac_bits, signed)[0]


# -- secret / public ----------------------------------------------------------------------------
def _input_from_p0(party: Party, bool_values, arith_value, count: int, shape):
    """Party 0 inputs `count` arrays as boolean shares and one as arithmetic shares in ONE round.

    `arithmetic.input_known` with both maskings in one message (the others pass None);
    party 0 sends (count + 1) n words.
    """
    dtype = party.ring.dtype
    full = (count + 1, *shape)
    tag = party.tag()
    zero = np.zeros(full, dtype=dtype)
    if party.pid == 0:
        r = party.common_with_next(tag, full)
        c = np.concatenate([np.stack(bool_values) ^ r[:-1], (arith_value - r[-1])[None]])
        party.exchange(to_prev=c)
        a, b = c, r
    elif party.pid == 1:
        a, b = party.common_with_prev(tag, full), zero
        party.exchange()
    else:
        (c,) = party.exchange(from_next=(dtype, full))
        a, b = zero, c
    return BoolShares(a[:-1], b[:-1], party.pid), ArithShares(a[-1], b[-1], party.pid)


def _gaps(beta: np.ndarray, thresholds, d: int) -> np.ndarray:
    """clamp(T - beta, 0, d) per public T, so that [alpha < gap] == [alpha + beta < T] for 0 <= alpha < d."""
    dtype, out = beta.dtype, []
    for t in thresholds:
        if t <= 0 or t >= 2 * d:  # always false / always true
            out.append(np.full(beta.shape, 0 if t <= 0 else d, dtype=dtype))
            continue
        t = dtype.type(t)
        with np.errstate(over="ignore"):
            out.append(np.minimum(np.where(beta >= t, dtype.type(0), t - beta), dtype.type(d)))
    return np.concatenate(out)


def _component2(party: Party, values, like: np.ndarray, kind=BoolShares):
    """Values parties 1 and 2 both know (others pass None) as component x_2: party 1's b, party 2's a."""
    zero = np.zeros_like(like)
    return kind(values if party.pid == 2 else zero, values if party.pid == 1 else zero, party.pid)


def div_public(party: Party, x: ArithShares, d: int, signed: bool = True) -> ArithShares:
    """floor(x / d) for a public 1 <= d <= 2^(k-1): exact, rounded toward minus infinity.

    u = x + 2^(k-1) (x unsigned) is a + c - w 2^k with a = u_0 + u_1 known to party 0,
    c = u_2 known to parties 1 and 2 and w = carry(a + c).  With a = q_a d + alpha,
    c = q_c d + beta, 2^k = Q d + R, 2^(k-1) = q_B d + r_B (0 unsigned), S = r_B + w R:
    floor(x/d) = q_a + q_c - w Q - q_B + floor((alpha + beta - S)/d), and that last term
    (in [-2, 1]) is 1 - sum_m [alpha + beta < S + m d], m = -1, 0, 1.  Each
    [alpha + beta < T] is the carry of ~alpha + clamp(T - beta, 0, d), a comparison
    between party 0's and parties 1-2's values.  Party 0 inputs a, ~alpha, q_a (1 round);
    one adder gives the carries of a + c and of the six comparisons (both w) (1 + L
    rounds); select by w (1 round); B2A of 4 bits (2 rounds).  Cf. ABY3 sec. 5.1.1:
    exact truncation in replicated sharing needs these carries.
    Cost: `costs.div_public_cost` (L + 5 rounds).
    """
    k = party.ring.bits
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
        raise TypeError(f"the public divisor must be an integer, got {type(d).__name__}")
    d = int(d)  # a numpy integer would overflow in the 2^k arithmetic below
    if not 1 <= d <= 1 << (k - 1):
        raise ValueError(f"the public divisor must be in [1, 2^{k - 1}] (unsigned division "
                         f"by more than 2^{k - 1} is not supported), got {d}")
    dd, pid, shape = party.ring.dtype.type(d), party.pid, x.shape
    u = (x + (1 << (k - 1)) if signed else x).reshape(-1)
    q_b, r_b = divmod((1 << (k - 1)) if signed else 0, d)
    big_q, big_r = divmod(1 << k, d)
    a = u.a + u.b if pid == 0 else None
    bits_in, q_a = _input_from_p0(party, [a, ~(a % dd)] if pid == 0 else None,
                                  a // dd if pid == 0 else None, 2, u.shape)
    c = {1: u.b, 2: u.a}.get(pid)
    thresholds = [r_b + w * big_r + m * d for w in (0, 1) for m in (-1, 0, 1)]
    right = np.concatenate([c, _gaps(c % dd, thresholds, d)]) if pid else None
    left = concat([bits_in[0]] + [bits_in[1]] * 6)
    right = _component2(party, right, left.a)
    g = and_(party, left, right)
    top = (carries(party, g, left ^ right) >> (k - 1)) & 1
    n = len(u)
    w, low, high = top[:n], top[n:4 * n], top[4 * n:]
    below = low ^ and_(party, concat([w, w, w]), low ^ high)  # [alpha + beta < S_w + m d]
    arith = bit_to_arith(party, stack([w, below[:n], below[n:2 * n], below[2 * n:]]))
    q_c = _component2(party, c // dd if pid else None, u.a, ArithShares)
    result = q_a + q_c - arith[0] * big_q - arith[1] - arith[2] - arith[3] + (1 - q_b)
    return result.reshape(shape)
