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
"""

from __future__ import annotations

from dataclasses import dataclass

from .party import Party
from .protocols.arithmetic import mul
from .protocols.division import div_or_flag
from .sharing import ArithShares, concat
from .sorting import filter_sort, filter_sort_many
from .validation import Bounds, validate, validate_many


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


def sorted_indicator(party: Party, column: Column, descending: bool = False,
                     algorithm: str = "auto") -> SortedIndicator:
    """Validate, then `filter_sort`: reveals the count of valid and of rejected values only."""
    valid, rejected = validate(party, column.values, column.submitted, column.bounds)
    count, values, _ = filter_sort(party, column.values, valid, descending=descending, algorithm=algorithm)
    return SortedIndicator(count, rejected, values)


def sorted_indicators(party: Party, columns: list[Column], descending: bool = False,
                      algorithm: str = "auto") -> list[SortedIndicator]:
    """Each indicator validated and sorted on its own, all columns in the rounds of one.

    `validate_many` then `filter_sort_many` (each column its own permutation; one
    algorithm for all, "auto" by the largest column).  Rounds: those of
    `sorted_indicator` on the largest column; bytes: the sum over the columns.
    """
    if not columns:
        return []
    valids, rejected = validate_many(party, [(c.values, c.submitted, c.bounds) for c in columns])
    problems = [(column.values, valid) for column, valid in zip(columns, valids, strict=True)]
    done = filter_sort_many(party, problems, descending=descending, algorithm=algorithm)
    return [SortedIndicator(count, bad, values)
            for (count, values, _), bad in zip(done, rejected, strict=True)]


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


def ratio_indicator(party: Party, numerator: Column, denominator: Column, frac_bits: int = 0,
                    descending: bool = False, algorithm: str = "auto") -> SortedIndicator:
    """numerator / denominator per company (e.g. added value per employee), sorted.

    A company counts when both figures are valid and the denominator is not zero.
    frac_bits = 0 gives the integer quotient truncated toward zero; f > 0 a fixed-point
    quotient with f fractional bits (error below 2^-f, see `division.div_fixed`).
    The configuration is checked first (`check_ratio_config`, ValueError before any
    round): the numerator's bounds times 2^f must fit the signed ring.
    `rejected` is the number of figures (numerator and denominator) submitted but out of range.
    """
    check_ratio_config(party.ring.bits, numerator.bounds.lo, numerator.bounds.hi, frac_bits)
    (valid_num, valid_den), (rejected_num, rejected_den) = validate_many(
        party, [(c.values, c.submitted, c.bounds) for c in (numerator, denominator)])
    quotient, nonzero = div_or_flag(party, numerator.values, denominator.values, frac_bits=frac_bits)
    both = mul(party, concat([valid_num, valid_den]), concat([valid_den, nonzero]))
    n = len(valid_num)
    valid = mul(party, both[:n], both[n:])  # valid_num * valid_den * nonzero (valid_den is a bit)
    count, values, _ = filter_sort(party, quotient, valid, descending=descending, algorithm=algorithm)
    return SortedIndicator(count, rejected_num + rejected_den, values)


def time_series(party: Party, periods: list[Column], key_period: int = -1,
                descending: bool = False, algorithm: str = "auto") -> TimeSeries:
    """The columns (companies) of a periods x companies matrix, sorted by one period's row.

    A company appears when its key-period value is valid; its other cells travel with
    it as payload, each with its own 0/1 validity (an invalid cell is zeroed before it
    is ever revealed, so only "missing" shows).  Companies tied in the key period come
    out in a secret random order, never in the input (`columns`) order, which the portal
    knows (see `sorting`).  Reveals the count and the per-period numbers of rejected values.
    """
    valids, rejected = validate_many(party, [(c.values, c.submitted, c.bounds) for c in periods])
    n = len(valids[0])
    stacked_valid = concat(valids)
    stacked_values = concat([c.values for c in periods])
    masked = mul(party, stacked_values, stacked_valid)  # invalid cells become 0
    rows = [masked[i * n:(i + 1) * n] for i in range(len(periods))]
    key = periods[key_period].values
    payload = rows + valids
    count, _, moved = filter_sort(party, key, valids[key_period], payload=payload,
                                  descending=descending, algorithm=algorithm)
    m = len(periods)
    return TimeSeries(count, rejected, moved[:m], moved[m:])
