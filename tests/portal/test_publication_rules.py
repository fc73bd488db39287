"""The publication rules (consortium/portal/publication.py): small cohorts and rare presence patterns
are never stored or shown; exactly k values are."""

import copy

import pytest

from consortium.portal import publication

K = 5


def sorted_result(count):
    return {"indicators": {"x": {"values": list(range(count)), "count": count, "rejected": 0}},
            "ratios": {"r": {"values": list(range(count)), "count": count, "rejected": 1}},
            "time_series": {}}


def series(rows, count=None):
    return {"indicators": {}, "ratios": {}, "time_series": {"x": {
        "periods": [1, 2, 3][-len(rows):], "rows": rows, "count": len(rows[-1]) if count is None else count,
        "rejected": [0] * len(rows)}}}


def test_it_publishes_a_cohort_of_exactly_k_values():
    out = publication.apply(sorted_result(K), K)
    assert out["indicators"]["x"] == {"values": [0, 1, 2, 3, 4], "count": 5, "rejected": 0,
                                      "suppressed": False}
    assert out["ratios"]["r"]["values"] == [0, 1, 2, 3, 4] and not out["ratios"]["r"]["suppressed"]


def test_it_suppresses_a_cohort_of_k_minus_1_keeping_the_counts():
    out = publication.apply(sorted_result(K - 1), K)
    assert out["indicators"]["x"] == {"values": [], "count": 4, "rejected": 0, "suppressed": True}
    assert out["ratios"]["r"] == {"values": [], "count": 4, "rejected": 1, "suppressed": True}


def test_it_publishes_a_series_of_exactly_k_lines_present_everywhere():
    rows = [[1, 2, 3, 4, 5], [2, 3, 4, 5, 6], [3, 4, 5, 6, 7]]
    entry = publication.apply(series(copy.deepcopy(rows)), K)["time_series"]["x"]
    assert (entry["rows"], entry["suppressed"], entry["withheld"], entry["suppressed_rows"]) == (rows, False,
                                                                                                 0, [])


def test_it_withholds_a_line_whose_presence_pattern_is_rare():
    # six lines; the second has no value in the first period: alone with that pattern, it would tell the
    # portal (which knows who submitted when) whose line it is
    rows = [[1, None, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6]]
    entry = publication.apply(series(rows), K)["time_series"]["x"]
    assert entry["rows"] == [[1, 3, 4, 5, 6]] * 3
    assert (entry["withheld"], entry["suppressed"], entry["suppressed_rows"]) == (1, False, [])


def test_it_keeps_lines_whose_pattern_k_lines_share():
    rows = [[None] * 5 + [1] * 5, [1] * 10, [2] * 10]
    entry = publication.apply(series(copy.deepcopy(rows)), K)["time_series"]["x"]
    assert entry["rows"] == rows and entry["withheld"] == 0


def test_an_earlier_period_with_few_values_is_emptied_rather_than_its_lines_withheld():
    rows = [[1, 1, None, None, None, None], [1] * 6, [2] * 6]  # 2 values in the first period
    entry = publication.apply(series(rows), K)["time_series"]["x"]
    assert entry["rows"] == [[None] * 6, [1] * 6, [2] * 6]
    assert (entry["suppressed_rows"], entry["withheld"], entry["suppressed"]) == ([0], 0, False)


def test_withholding_below_k_lines_suppresses_the_whole_series():
    # each pattern is shared by fewer than k lines, and every period has at least k values
    rows = [[1] * 5 + [None] * 4, [1] * 9, [None] * 4 + [2] * 5]  # patterns: 4 / 1 / 4 lines
    entry = publication.apply(series(rows), K)["time_series"]["x"]
    assert entry["suppressed"] and entry["rows"] == []


@pytest.mark.parametrize("results", [
    sorted_result(K), sorted_result(K - 1),
    series([[1, None, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6]]),
    series([[1, 1, None, None, None, None], [1] * 6, [2] * 6]),
])
def test_applying_the_rules_again_changes_nothing(results):
    once = publication.apply(results, K)
    assert publication.apply(copy.deepcopy(once), K) == once
