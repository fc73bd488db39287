"""consortium.portal.reports.statistics against numpy, and the publication rule."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from consortium.portal.publication import is_publishable
from consortium.portal.reports.statistics import Decoding, quantile, summarize

values_lists = st.lists(st.integers(min_value=-(10**12), max_value=10**12), min_size=1, max_size=60).map(
    sorted)


@settings(max_examples=200, deadline=None)
@given(values_lists, st.integers(min_value=0, max_value=3))
@example([-999_999_999_999, 10**12], 3)  # the median 0.0005 is where float64 interpolation cancels
def test_summary_matches_numpy(values, scale):
    summary = summarize(values, Decoding.fixed(scale))
    decoded = np.array(values, dtype=np.float64) / 10**scale
    q1, median, q3 = np.quantile(decoded, [0.25, 0.5, 0.75])  # numpy's default: method="linear"
    # numpy interpolates in float64: between -10^9 and 10^9 it is off by a few ulps of 10^9 (the
    # portal is exact), so the tolerance follows the inputs' magnitude, not the result's.
    near = {"rel": 1e-12, "abs": max(1e-9, 8 * np.finfo(np.float64).eps * float(np.abs(decoded).max()))}
    assert summary.count == len(values)
    assert summary.min == decoded.min() and summary.max == decoded.max()
    assert summary.q1 == pytest.approx(q1, **near)
    assert summary.median == pytest.approx(median, **near)
    assert summary.median == pytest.approx(np.median(decoded), **near)
    assert summary.q3 == pytest.approx(q3, **near)
    # the mean of the exact integers (float64's mean cancels badly on +-10^12 inputs)
    exact_mean = np.array(values, dtype=object).sum() / (len(values) * 10**scale)
    assert summary.mean == pytest.approx(exact_mean, rel=1e-12, abs=1e-9)


def test_quartiles_interpolate_linearly_on_a_known_example():
    s = summarize([1, 2, 3, 4])
    assert (s.q1, s.median, s.q3, s.mean) == (1.75, 2.5, 3.25, 2.5)


def test_quantile_is_exact():
    assert quantile([0, 1], Fraction(1, 3)) == Fraction(1, 3)
    assert quantile([7], Fraction(3, 4)) == 7


def test_integers_stay_integers_where_exact():
    s = summarize([1, 3, 5])
    assert isinstance(s.min, int) and isinstance(s.median, int) and s.mean == 3


def test_fixed_point_values_are_decoded():
    s = summarize([125, 333, 1000], Decoding.fixed(1))
    assert (s.min, s.median, s.max) == (12.5, 33.3, 100.0)


def test_ratio_decoding_removes_the_binary_fraction_and_the_scales():
    assert Decoding.ratio(10).value(1536) == 1.5
    # numerator with 1 decimal place over an integer denominator: one more division by 10
    assert Decoding.ratio(0, num_scale=1).value(125) == 12.5


def test_unsorted_or_empty_input_is_refused():
    with pytest.raises(ValueError):
        summarize([3, 1])
    with pytest.raises(ValueError):
        summarize([])


def test_publication_rule_is_k_values():
    assert not is_publishable(4, 5)
    assert is_publishable(5, 5)
    assert not is_publishable(0, 1)


def test_rounding_for_display_keeps_min_and_max_exact():
    s = summarize([1, 2, 2, 9], Decoding.fixed(1)).rounded(3)
    assert s.mean == 0.35 and s.min == 0.1 and s.max == 0.9
    assert summarize([1, 2, 4]).rounded(2).mean == 2.33


def test_an_integer_quotient_is_shown_without_decimals():
    assert Decoding.ratio(0).decimals == 0 and Decoding.ratio(16).decimals == 2
    assert Decoding.ratio(0).value(1311) == 1311
