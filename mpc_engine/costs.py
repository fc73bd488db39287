"""The communication cost of every protocol: the one source of truth.

Each `*_cost` function returns a `Cost` for n elements: rounds, and the words (ring
elements of k/8 bytes) sent by party 0 and by each of parties 1 and 2 (party 0 often
inputs values the others do not).  The protocols' docstrings name these functions
instead of repeating formulas, and `tests/engine` holds the measured round and byte
counters to them, so a stated cost cannot drift from the tested one.
k = ring bits, L = log2 k.  No I/O and no protocol imports: pure arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cost:
    rounds: int
    words0: int  # sent by party 0
    words: int  # sent by party 1, and by party 2

    def __add__(self, other: Cost) -> Cost:
        """Sequential composition."""
        return Cost(self.rounds + other.rounds, self.words0 + other.words0, self.words + other.words)

    def per_party_bytes(self, bits: int) -> list[int]:
        """Bytes sent by parties 0, 1, 2 (payload only, without frame headers)."""
        w = bits // 8
        return [self.words0 * w, self.words * w, self.words * w]


def log2k(bits: int) -> int:
    return (bits - 1).bit_length()


# -- arithmetic (Araki et al. CCS 2016) -------------------------------------------------------
def mul_cost(n: int) -> Cost:
    """`arithmetic.mul`, `and_`, `reshare`, `select`: 1 round, 1 word per element."""
    return Cost(1, n, n)


def reveal_cost(n: int) -> Cost:
    """`arithmetic.reveal` to the three parties: 1 round, 1 word per element."""
    return Cost(1, n, n)


def input_cost(n: int) -> Cost:
    """`arithmetic.input_known` by party 0: 1 round, only the owner sends."""
    return Cost(1, n, 0)


# -- conversions and comparison (ABY3) --------------------------------------------------------
def a2b_cost(n: int, bits: int) -> Cost:
    """`boolean.a2b` (and `msb`): party 0's input, then 1 + L AND rounds (Kogge-Stone),
    2L words per element (the last level ANDs one pair, the others two)."""
    big_l = log2k(bits)
    return input_cost(n) + Cost(1 + big_l, 2 * big_l * n, 2 * big_l * n)


def bit_to_arith_cost(n: int) -> Cost:
    """`boolean.bit_to_arith` (`compare.to_arith`): party 0's input, one multiplication."""
    return input_cost(n) + mul_cost(n)


def lt_cost(n: int, bits: int, public: bool = False) -> Cost:
    """`compare.lt` (`gt`, `le`): one `a2b` of 3n words (2n for a public y), one AND."""
    return a2b_cost((2 if public else 3) * n, bits) + mul_cost(n)


def eq_cost(n: int, bits: int) -> Cost:
    """`compare.eq`: party 0's input, then an AND tree of L rounds, one word each."""
    big_l = log2k(bits)
    return input_cost(n) + Cost(big_l, big_l * n, big_l * n)


def select_by_bit_cost(n: int) -> Cost:
    """`compare.select_by_bit`: B2A, then one multiplication."""
    return bit_to_arith_cost(n) + mul_cost(n)


# -- shuffle (Laur, Willemson, Zhang; Hamada et al.) -----------------------------------------
def shuffle_cost(n: int, rows: int = 1) -> Cost:
    """`shuffle.shuffle` of `rows` rows of n (sum over the groups of `shuffle_many`):
    3 rounds; each party sends in two of the stages, one word per element each time."""
    return Cost(3, 2 * n * rows, 2 * n * rows)


# -- division ---------------------------------------------------------------------------------
DIVISION_CHUNK_ELEMENTS = 1 << 18  # see `protocols.division`: longer vectors go in chunks


def division_chunks(n: int) -> int:
    """How many sequential chunks `division.div` and its variants split n elements into."""
    return max(1, -(-n // DIVISION_CHUNK_ELEMENTS))


def division_steps(bits: int, frac_bits: int = 0, dividend_bits: int | None = None) -> int:
    """The long division's steps: k + f, or B + f when |x| < 2^B is promised (B <= k)."""
    return min(bits, bits if dividend_bits is None else dividend_bits) + frac_bits


def quotient_bits(bits: int, frac_bits: int = 0, dividend_bits: int | None = None) -> int:
    """How many low bits of the quotient the long division can set (at most k)."""
    return min(bits, division_steps(bits, frac_bits, dividend_bits))


def adder_width(bits: int, divisor_bits: int | None = None) -> int:
    """The long division's adder width: k, or D + 2 when |y| < 2^D is promised (the
    remainder then lies in [-2^D, 2^D) and 2r + b in [-2^(D+1), 2^(D+1)))."""
    return bits if divisor_bits is None else min(bits, divisor_bits + 2)


def div_cost(n: int, bits: int, frac_bits: int = 0, signed: bool = True,
             chunk: int | None = None, dividend_bits: int | None = None,
             divisor_bits: int | None = None) -> Cost:
    """`division.div`, `div_or_flag`, `div_fixed` (secret / secret), K = k + f steps
    (B + f with `dividend_bits` B: `div_or_flag`'s dividend_max), Q = min(K, k) quotient bits,
    each step's adder W = `adder_width` bits wide (D + 2 with `divisor_bits` D: divisor_max).

    Operands' bits and zero test (3 + L rounds signed: a2b of 4n words, |.| AND; 2 + L
    unsigned: 2n words), K long-division steps of 1 + log2 W rounds (2 log2 W words), the
    sign and zero mask (1 round, 2 words), B2A of Q + 2 bits with the products summed before
    the resharing (2 rounds; party 0 inputs Q + 2 words, then 2 words each).
    Rounds are per chunk of `DIVISION_CHUNK_ELEMENTS` (`chunk` overrides it, for tests).
    """
    big_l = log2k(bits)
    step_l = log2k(adder_width(bits, divisor_bits))
    steps = division_steps(bits, frac_bits, dividend_bits)
    rounds = steps * (1 + step_l) + big_l + (6 if signed else 5)
    words = 2 * step_l * steps + (9 * big_l + 6 if signed else 5 * big_l + 4)
    extra0 = quotient_bits(bits, frac_bits, dividend_bits) + (6 if signed else 4)
    size = chunk or DIVISION_CHUNK_ELEMENTS
    chunks = max(1, -(-n // size))
    return Cost(rounds * chunks, (words + extra0) * n, words * n)


def div_public_cost(n: int, bits: int) -> Cost:
    """`division.div_public`: party 0's input (3 words), one adder of 7n words (1 + L
    rounds), the select by w (1 round, 3 words), B2A of 4 bits (2 rounds, 4 words)."""
    big_l = log2k(bits)
    return Cost(big_l + 5, (14 * big_l + 14) * n, (14 * big_l + 7) * n)


# -- validation -------------------------------------------------------------------------------
VALIDATION_CHUNK_ELEMENTS = 1 << 18  # see `validation.validate_many`: more are tested in chunks


def validate_cost(n: int, bits: int, columns: int = 1, chunk: int | None = None) -> Cost:
    """`validation.validate_many` of n elements in all: a batched `lt` of 2n and `eq` of n
    (in sequence), two ANDs, B2A of 2n bits, the reveal of one count per column.
    The tests run once per chunk of `VALIDATION_CHUNK_ELEMENTS` (`chunk` overrides it, for
    tests), the reveal once: words as for one chunk of n, rounds (tests) times the chunks."""
    tests = lt_cost(2 * n, bits) + eq_cost(n, bits) + mul_cost(n) + mul_cost(n) + bit_to_arith_cost(2 * n)
    chunks = max(1, -(-n // (chunk or VALIDATION_CHUNK_ELEMENTS)))
    return Cost(tests.rounds * chunks, tests.words0, tests.words) + reveal_cost(columns)


# -- sorting ----------------------------------------------------------------------------------
def layer_sizes(n: int) -> list[int]:
    """The comparator count of every layer of Batcher's merge exchange on n keys (Knuth
    5.3.4, Algorithm M), without building the network: layer (p, r, d) compares i and
    i + d for i < n - d whose bit p equals r, which counts in O(1)."""
    if n < 2:
        return []
    t = (n - 1).bit_length()
    out = []
    p = 1 << (t - 1)
    while p > 0:
        q, r, d = 1 << (t - 1), 0, p
        while True:
            full, rest = divmod(n - d, 2 * p)
            count = full * p + (min(rest, p) if r == 0 else max(0, rest - p))
            if count:
                out.append(count)
            if q == p:
                break
            d, q, r = q - p, q >> 1, p
        p >>= 1
    return out


def _and_count(tie_break: bool, valid: bool) -> tuple[int, int]:
    """ANDs per comparator in the first and the second (tie-break) AND round."""
    return 1 + tie_break + 2 * valid + (tie_break and valid), tie_break + valid


def network_cost(n: int, rows: int, bits: int, tie_break: bool = False, valid: bool = False):
    """(rounds, words sent by party 0, words sent by party 1 or 2) of `batcher.sort_network`.

    `rows` counts the key and payload rows (not the tie-key row that `tie_break` adds).
    Per layer: a2b (2 + L rounds), the AND round(s), B2A (2), the exchange (1).
    Words per comparator: q = 3 (5 with `tie_break`) words through `a2b` at 2L words each,
    the ANDs of `_and_count`, 1 for the B2A multiplication, one per exchanged row; party 0
    also inputs the q words of `a2b` and the B2A bit (q + 1 more).  `tie_break` adds the
    tie key's shuffle once (`shuffle_cost` of one row) when n > 1.
    """
    big_l = log2k(bits)
    net = layer_sizes(n)
    comparators = sum(net)
    first, second = _and_count(tie_break, valid)
    q = 5 if tie_break else 3
    per_layer = (2 + big_l) + 1 + (1 if second else 0) + 2 + 1
    words = q * 2 * big_l + first + second + 1 + rows + tie_break
    tie = shuffle_cost(n) if tie_break and n > 1 else Cost(0, 0, 0)
    return (len(net) * per_layer + tie.rounds, comparators * (words + q + 1) + tie.words0,
            comparators * words + tie.words)


def radix_cost(n: int, rows: int, bits: int, flag: bool = False, passes: int | None = None):
    """(rounds, words sent by party 0, words sent by party 1 or 2) of `radix.radix_sort`.

    `rows` counts the key and payload rows; with `flag` the flag row is carried too;
    rows > 1 (payload) adds the tie-breaking shuffle of the rows (and the flag) first.
    `passes`: bit passes (`radix.key_passes`: the bits of a key range's hi - lo), k if None.
    a2b of the key, then per pass: B2A (2 rounds), d (1), shuffle of the rows, the key
    words and d (3), reveal of d (1); the last pass carries no key words.
    """
    cost = radix_many_cost([(n, rows, bits if passes is None else passes)], bits, flag)
    return cost.rounds, cost.words0, cost.words


def radix_many_cost(problems, bits: int, flag: bool = False) -> Cost:
    """`radix.radix_sort_many` of problems (n_i, rows_i, passes_i) in the ring of `bits`.

    Rounds: one a2b (2 + L) for all if any problem has a pass, 7 per pass of the problem
    with the most, + 5 for the flag pass, + 3 if any problem carries payload (its tie
    shuffle).  Words: the sum over the problems, each paying only for its own passes but
    for the whole ring's a2b.  Empty problems cost nothing.
    """
    live = [(n, rows, passes) for n, rows, passes in problems if n > 0]
    if not live:
        return Cost(0, 0, 0)
    big_l = log2k(bits)
    most = max(passes for _, _, passes in live)
    tie_shuffle = any(rows > 1 for _, rows, _ in live)
    rounds = (2 + big_l if most else 0) + 7 * most + (5 if flag else 0) + (3 if tie_shuffle else 0)
    words0 = words = 0
    for n, rows, passes in live:
        carried = rows + flag
        other = (2 * big_l if most else 0) + 3 * passes + 2 * (carried + 1) * passes + 2 * max(passes - 1, 0)
        party0 = other + (1 if most else 0) + passes
        if flag:  # d, shuffle of the rows and d, reveal of d (+ the count word)
            other += 2 * (rows + 1) + 2
            party0 += 2 * (rows + 1) + 2
        if rows > 1:  # the rows (and the flag) shuffled once before the passes
            other += 2 * carried
            party0 += 2 * carried
        words0 += n * party0 + flag
        words += n * other + flag
    return Cost(rounds, words0, words)
