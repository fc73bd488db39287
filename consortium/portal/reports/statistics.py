"""Descriptive statistics of one sorted, decoded indicator, and the publication rule.

Pure Python, exact: everything is computed on the encoded integers with `Fraction`, and
only the final number is turned into a float, so the page, the spreadsheet and numpy
agree to the last bit a float can hold.

Quartiles: linear interpolation between order statistics, position (n - 1) * p, as numpy's
default (`method="linear"`, Hyndman & Fan type 7) and Excel's QUARTILE.INC / PERCENTILE.INC.
The median is the second quartile under the same rule.
"""

from dataclasses import dataclass, replace
from fractions import Fraction
from numbers import Rational


@dataclass(frozen=True)
class Decoding:
    """Encoded integer -> value: divide by `divisor`; show with `decimals` places."""

    divisor: Fraction = Fraction(1)
    decimals: int = 0

    @classmethod
    def fixed(cls, scale: int) -> "Decoding":
        """A fixed-point indicator: the browser multiplied the value by 10**scale."""
        return cls(Fraction(10**scale), scale)

    @classmethod
    def ratio(cls, frac_bits: int, num_scale: int = 0, den_scale: int = 0) -> "Decoding":
        """A quotient computed in MPC with `frac_bits` binary fraction bits, of two fixed-point inputs."""
        places = 2 if frac_bits else max(num_scale - den_scale, 0)  # an integer quotient shows no cents
        return cls(Fraction(2**frac_bits * 10**num_scale, 10**den_scale), places)

    def value(self, encoded: Rational) -> int | float:
        exact = Fraction(encoded) / self.divisor
        if exact.denominator == 1 and self.decimals == 0:
            return int(exact)
        return float(exact)


@dataclass(frozen=True)
class Summary:
    count: int
    min: int | float
    q1: int | float
    median: int | float
    q3: int | float
    mean: int | float
    max: int | float

    FIELDS = ("count", "min", "q1", "median", "q3", "mean", "max")

    def as_row(self) -> list:
        return [getattr(self, f) for f in self.FIELDS]

    def rounded(self, places: int) -> "Summary":
        """Quartiles and mean to `places` decimals (min and max are values, exact already): what the
        page and the spreadsheet show, the same number in both (a spreadsheet keeps 15 digits)."""

        def r(x):
            return x if isinstance(x, int) else round(x, places)

        return replace(self, q1=r(self.q1), median=r(self.median), q3=r(self.q3), mean=r(self.mean))


def quantile(sorted_values: list[int], p: Fraction) -> Fraction:
    """The p-quantile (0 <= p <= 1) of an ascending list, numpy's linear interpolation, exactly."""
    if not sorted_values:
        raise ValueError("no values")
    position = (len(sorted_values) - 1) * Fraction(p)
    below = int(position)  # floor: position >= 0
    above = min(below + 1, len(sorted_values) - 1)
    weight = position - below
    return sorted_values[below] + (sorted_values[above] - sorted_values[below]) * weight


def summarize(sorted_values: list[int], decoding: Decoding = Decoding()) -> Summary:
    """Count, min, quartiles, median, mean and max of ascending encoded integers, decoded."""
    if not sorted_values:
        raise ValueError("no values")
    if any(a > b for a, b in zip(sorted_values, sorted_values[1:], strict=False)):
        raise ValueError("values are not sorted")
    q = [decoding.value(quantile(sorted_values, Fraction(i, 4))) for i in (1, 2, 3)]
    mean = decoding.value(Fraction(sum(sorted_values), len(sorted_values)))
    return Summary(
        count=len(sorted_values),
        min=decoding.value(sorted_values[0]),
        q1=q[0],
        median=q[1],
        q3=q[2],
        mean=mean,
        max=decoding.value(sorted_values[-1]),
    )


def stat_decimals(decimals: int) -> int:
    """Places shown for quartiles and the mean, which fall between values: at least two."""
    return max(decimals, 2)


def stat_places(value, decimals: int) -> int:
    """Places one statistic is shown with (page and spreadsheet alike). Of whole-number indicators
    (money, people) a whole quartile or mean shows no ".00"; otherwise stat_decimals places."""
    if decimals == 0 and float(value).is_integer():
        return 0
    return stat_decimals(decimals)
