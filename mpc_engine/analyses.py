"""The consortium's analyses (Table 1 of the paper, and more) as functions of the engine.

Each takes one party's shares and returns shares of the outputs only, with the few
numbers the analysis is allowed to reveal (counts).  No web code here: the miners'
worker loads shares, calls these, and sends `output_pair`s of the results to the portal.

- `sorted_indicator`: keep the submitted, in-range values of one indicator, sorted
  (no row links one company's figures across indicators: each is sorted on its own);
  `sorted_indicators` does several in the rounds of one.
- `ratio_indicator`: a composite such as added value per employee (secret / secret);
  a zero or invalid divisor makes that company "not submitted", never a crash.
- `time_series`: an indicator over several periods, the columns (companies) sorted by
  one period's row, so each company's trajectory stays together without its name.
- `analyse`: any number of these side by side, sharing rounds (what a run does): one
  validation of every distinct column, the divisions, two multiplication rounds, and ONE
  batched sort for all, each sort on the bits of its range only (`sorting.filter_sort_many`).
"""

from __future__ import annotations

from dataclasses import dataclass

from .party import Party
from .protocols.arithmetic import mul
from .protocols.division import div_or_flag
from .sharing import ArithShares, concat
from .sorting import filter_sort_many
from .validation import Bounds, validate_many


@dataclass
class Column:
    """One indicator's shares for n companies: values, submitted flags, allowed range."""

    values: ArithShares
    submitted: ArithShares
    bounds: Bounds


@dataclass
class SortedIndicator:
    count: int  # values published (revealed)
    rejected: int  # submitted but out of range (revealed)
    values: ArithShares  # the `count` valid values, sorted


@dataclass
class TimeSeries:
    count: int  # companies with a valid value in the key period (revealed)
    rejected: list[int]  # per period (revealed)
    rows: list[ArithShares]  # per period, `count` columns in the key row's order; invalid cells are 0
    present: list[ArithShares]  # per period, 0/1: whether that cell is a valid value


@dataclass(frozen=True, eq=False)
class Sorted:
    """A sorted indicator to compute: the valid values of one column, sorted."""

    column: Column
    descending: bool = False


@dataclass(frozen=True, eq=False)
class Ratio:
    """A composite indicator to compute: numerator / denominator per company, sorted."""

    numerator: Column
    denominator: Column
    frac_bits: int = 0
    descending: bool = False


@dataclass(frozen=True, eq=False)
class Series:
    """A time series to compute: the companies (columns) of several periods, sorted by one."""

    periods: list[Column]
    key_period: int = -1
    descending: bool = False


def sorted_indicator(party: Party, column: Column, descending: bool = False,
                     algorithm: str = "auto") -> SortedIndicator:
    """Validate, then `filter_sort` (on the bits of the range): reveals the count of valid
    and of rejected values only.  Cost: `validate_cost`, then `radix_cost(flag=True,
    passes=bits(hi - lo))` (or Batcher's, for small n)."""
    return analyse(party, [Sorted(column, descending)], algorithm)[0]


def sorted_indicators(party: Party, columns: list[Column], descending: bool = False,
                      algorithm: str = "auto") -> list[SortedIndicator]:
    """Each indicator validated and sorted on its own, all columns in the rounds of one.

    `validate_many` then `filter_sort_many` (each column its own permutation; one
    algorithm for all, "auto" by the largest column).  Rounds: those of
    `sorted_indicator` on the column with the most passes; bytes: the sum over the columns.
    """
    return analyse(party, [Sorted(c, descending) for c in columns], algorithm)


def ratio_fits(ring_bits: int, num_lo: int, num_hi: int, frac_bits: int) -> bool:
    """Whether every quotient num * 2^f / den, num in [num_lo, num_hi], den a nonzero integer,
    fits the signed ring Z_2^ring_bits.

    The largest |quotient| is max|num| * 2^f (den = +-1), and it must be at most
    2^(k-1) - 1: -2^(k-1) alone would fit, but den = -1 turns it into +2^(k-1).
    Public: only the configured bounds enter, never a value.
    """
    if frac_bits < 0:
        raise ValueError("frac_bits must be >= 0")
    largest = max(abs(int(num_lo)), abs(int(num_hi)))
    return largest << frac_bits <= (1 << (ring_bits - 1)) - 1


def check_ratio_config(ring_bits: int, num_lo: int, num_hi: int, frac_bits: int) -> None:
    """Raise ValueError, with the largest frac_bits that would fit, unless `ratio_fits`.

    Without this check 100000 / 1 with 16 fractional bits in Z_2^32 wraps and is
    published as -31072 (a fixed-point overflow, not an error the protocol can see).
    """
    if ratio_fits(ring_bits, num_lo, num_hi, frac_bits):
        return
    largest = max(abs(int(num_lo)), abs(int(num_hi)))
    limit = (1 << (ring_bits - 1)) - 1
    fitting = [f for f in range(frac_bits) if largest << f <= limit]
    advice = (f"use at most {fitting[-1]} fractional bits or the 64-bit ring" if fitting
              else "the numerator's range does not fit this ring even as an integer quotient")
    raise ValueError(f"ratio overflow: a numerator up to |{largest}| times 2^{frac_bits} does not fit "
                     f"the signed {ring_bits}-bit ring (largest {limit}); {advice}")


def quotient_range(numerator: Bounds, denominator: Bounds, frac_bits: int = 0) -> tuple[int, int]:
    """Where every quotient trunc(x 2^f / y) of valid figures (y != 0) lies: |q| <= |x| 2^f,
    and its sign is one that the two ranges allow.  Public: the bounds only."""
    m = max(abs(numerator.lo), abs(numerator.hi)) << frac_bits
    negative = (numerator.lo < 0 < denominator.hi) or (denominator.lo < 0 < numerator.hi)
    positive = (numerator.hi > 0 and denominator.hi > 0) or (numerator.lo < 0 and denominator.lo < 0)
    return (-m if negative else 0), (m if positive else 0)


def ratio_indicator(party: Party, numerator: Column, denominator: Column, frac_bits: int = 0,
                    descending: bool = False, algorithm: str = "auto") -> SortedIndicator:
    """numerator / denominator per company (e.g. added value per employee), sorted.

    A company counts when both figures are valid and the denominator is not zero.
    frac_bits = 0 gives the integer quotient truncated toward zero; f > 0 a fixed-point
    quotient with f fractional bits (error below 2^-f, see `division.div_fixed`).
    The configuration is checked first (`check_ratio_config`, ValueError before any
    round): the numerator's bounds times 2^f must fit the signed ring.
    `rejected` is the number of figures (numerator and denominator) submitted but out of range.
    The division takes bits(max |numerator bound|) + f steps (`div_or_flag`'s dividend_max)
    of adders bits(max |denominator bound|) + 2 wide (divisor_max), the sort the bits of
    `quotient_range`.
    """
    return analyse(party, [Ratio(numerator, denominator, frac_bits, descending)], algorithm)[0]


def time_series(party: Party, periods: list[Column], key_period: int = -1,
                descending: bool = False, algorithm: str = "auto") -> TimeSeries:
    """The columns (companies) of a periods x companies matrix, sorted by one period's row.

    A company appears when its key-period value is valid; its other cells travel with
    it as payload, each with its own 0/1 validity (an invalid cell is zeroed before it
    is ever revealed, so only "missing" shows).  Companies tied in the key period come
    out in a secret random order, never in the input (`columns`) order, which the portal
    knows (see `sorting`).  Reveals the count and the per-period numbers of rejected values.
    """
    return analyse(party, [Series(periods, key_period, descending)], algorithm)[0]


def analyse(party: Party, tasks: list, algorithm: str = "auto") -> list:
    """Every task (`Sorted`, `Ratio`, `Series`) computed side by side; the results in order.

    Independent work shares rounds instead of following one another:
      1. `validate_many` of every distinct column (a column used twice, e.g. an indicator
         and its series' key period, is validated once);
      2. the divisions of all ratios, one `div_or_flag` per distinct frac_bits;
      3. one multiplication round (ratios' valid_num * valid_den, every series' cells
         zeroed where invalid) and, with ratios, one more (* [denominator != 0]);
      4. ONE `filter_sort_many` of every sort, each problem in its own direction, on the
         bits of its range (indicator bounds; `quotient_range` for a ratio).
    Rounds: validate_cost + the divisions' + 1 or 2 + `radix_many_cost(flag=True)` of the
    widest range (a whole annual analysis at k = 64: ~630 instead of ~4,900 one after
    another).  Reveals exactly what the single analyses reveal: counts and rejected counts.
    """
    for task in tasks:
        if isinstance(task, Ratio):  # before any round: every party raises alike
            check_ratio_config(party.ring.bits, task.numerator.bounds.lo, task.numerator.bounds.hi,
                               task.frac_bits)
    valid, rejected = _validate_distinct(party, tasks)
    ratios = [t for t in tasks if isinstance(t, Ratio)]
    series = [t for t in tasks if isinstance(t, Series)]
    quotients = _divide_all(party, ratios)
    ratio_valid, cells = _masks(party, ratios, series, quotients, valid)
    position = {id(t): i for group in (ratios, series) for i, t in enumerate(group)}
    problems, ranges = [], []
    for task in tasks:
        if isinstance(task, Sorted):
            problems.append((task.column.values, valid(task.column)))
            ranges.append(task.column.bounds)
        elif isinstance(task, Ratio):
            r = position[id(task)]
            problems.append((quotients[r][0], ratio_valid[r]))
            ranges.append(quotient_range(task.numerator.bounds, task.denominator.bounds, task.frac_bits))
        else:
            n, masked = len(task.periods[0].values), cells[position[id(task)]]
            rows = [masked[i * n:(i + 1) * n] for i in range(len(task.periods))]
            valids = [valid(c) for c in task.periods]
            key = task.periods[task.key_period]
            problems.append((key.values, valids[task.key_period], rows + valids))
            ranges.append(key.bounds)
    done = filter_sort_many(party, problems, [t.descending for t in tasks], algorithm, ranges=ranges)
    out = []
    for task, (count, values, moved) in zip(tasks, done, strict=True):
        if isinstance(task, Sorted):
            out.append(SortedIndicator(count, rejected(task.column), values))
        elif isinstance(task, Ratio):
            out.append(SortedIndicator(count, rejected(task.numerator) + rejected(task.denominator), values))
        else:
            m = len(task.periods)
            out.append(TimeSeries(count, [rejected(c) for c in task.periods], moved[:m], moved[m:]))
    return out


def _masks(party: Party, ratios, series, quotients, valid):
    """Each ratio's validity valid_num * valid_den * [den != 0], and each series' cells times
    their validity (an invalid cell becomes 0): one multiplication round, and one more with ratios."""
    left = [valid(t.numerator) for t in ratios] + [concat([c.values for c in t.periods]) for t in series]
    right = [valid(t.denominator) for t in ratios] + [concat([valid(c) for c in t.periods]) for t in series]
    if not left:
        return [], []
    products = _split(mul(party, concat(left), concat(right)), left)
    both, cells = products[:len(ratios)], products[len(ratios):]
    if ratios:  # valid_den is a bit, so valid_num * valid_den * ok is the product of three bits
        both = _split(mul(party, concat(both), concat([ok for _, ok in quotients])), both)
    return both, cells


def _columns_of(task) -> list[Column]:
    if isinstance(task, Sorted):
        return [task.column]
    if isinstance(task, Ratio):
        return [task.numerator, task.denominator]
    return list(task.periods)


def _validate_distinct(party: Party, tasks):
    """One `validate_many` of every distinct (values, flags, bounds); returns the lookups
    column -> valid shares and column -> rejected count."""
    index: dict = {}
    distinct = []
    for task in tasks:
        for c in _columns_of(task):
            key = (id(c.values), id(c.submitted), c.bounds)
            if key not in index:
                index[key] = len(distinct)
                distinct.append(c)
    valids, rejected = ([], [])
    if distinct:
        valids, rejected = validate_many(party, [(c.values, c.submitted, c.bounds) for c in distinct])

    def at(c):
        return index[(id(c.values), id(c.submitted), c.bounds)]

    return (lambda c: valids[at(c)]), (lambda c: rejected[at(c)])


def _divide_all(party: Party, ratios: list[Ratio]) -> list[tuple[ArithShares, ArithShares]]:
    """(quotient, [denominator != 0]) of every ratio: one `div_or_flag` per distinct frac_bits,
    with the long division as short as the numerators' bounds allow and its adders as narrow
    as the denominators' bounds allow (valid figures respect them; others are dropped)."""
    out: list = [None] * len(ratios)
    for f in sorted({t.frac_bits for t in ratios}):
        group = [i for i, t in enumerate(ratios) if t.frac_bits == f]
        nums = [ratios[i].numerator.values for i in group]
        dividend = max(max(abs(b.lo), abs(b.hi)) for b in (ratios[i].numerator.bounds for i in group))
        divisor = max(max(abs(b.lo), abs(b.hi)) for b in (ratios[i].denominator.bounds for i in group))
        q, ok = div_or_flag(party, concat(nums), concat([ratios[i].denominator.values for i in group]),
                            frac_bits=f, dividend_max=dividend, divisor_max=divisor)
        for i, qi, oki in zip(group, _split(q, nums), _split(ok, nums), strict=True):
            out[i] = (qi, oki)
    return out


def _split(x: ArithShares, like: list) -> list[ArithShares]:
    """x cut into consecutive pieces as long as the arrays of `like`."""
    out, at = [], 0
    for part in like:
        out.append(x[at:at + len(part)])
        at += len(part)
    return out
