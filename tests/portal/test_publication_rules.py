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


def test_a_line_with_a_rare_pattern_keeps_only_its_key_value():
    # six lines; the second has no value in the first period: alone with that pattern, it would tell the
    # portal (which knows who submitted when) whose line it is. The line stays (the key row must equal
    # the key period's sorted indicator, or their difference would be its value), its earlier cells go.
    rows = [[1, None, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6]]
    entry = publication.apply(series(rows), K)["time_series"]["x"]
    assert entry["rows"] == [[1, None, 3, 4, 5, 6], [1, None, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6]]
    assert (entry["withheld"], entry["suppressed"], entry["blanked"]) == (1, False, [0, 1, 0])


def test_a_newcomer_is_not_the_difference_of_the_series_and_the_sorted_indicator():
    rows = [[1, 2, 3, 4, 5, None], [1, 2, 3, 4, 5, None], [10, 20, 30, 40, 50, 777]]
    entry = publication.apply(series(rows), K)["time_series"]["x"]
    assert sorted(entry["rows"][-1]) == [10, 20, 30, 40, 50, 777]  # every key value, as the indicator
    assert entry["withheld"] == 0 and not entry["suppressed"]


@pytest.mark.parametrize("pairs, blanked", [
    ([(1, 0)], True),  # one company of the earlier report left: the difference would be its figure
    ([(K - 1, 0)], True),
    ([(K, 0)], False),  # k companies left: their values are a cohort of k
    ([(0, 2)], True),  # two companies in this row that the earlier list did not have
    ([(0, 0), (3, 0)], True),  # any earlier list counts
    ([(0, 0)], False),
])
def test_an_earlier_row_that_differs_from_a_published_list_by_a_few_companies_is_blanked(pairs, blanked):
    rows = [[1] * 6, [2] * 6, [3] * 6]
    entry = publication.apply(series(rows), K, {"x": [pairs, [(0, 0)]]})["time_series"]["x"]
    assert (entry["rows"][0] == [None] * 6) is blanked and (0 in entry["suppressed_rows"]) is blanked
    assert entry["rows"][1] == [2] * 6 and entry["rows"][2] == [3] * 6


def test_cells_blanked_for_a_rare_pattern_count_as_a_difference_from_the_periods_own_report():
    # the line with no value in period 1 is rare: its period-0 cell is blanked, and period 0's own
    # report minus this row would then be that one value: the row goes
    rows = [[1, 1, 1, 1, 1, 9], [2, 2, 2, 2, 2, None], [3, 3, 3, 3, 3, 3]]
    entry = publication.apply(series(rows), K, {"x": [[(0, 0)], [(0, 0)]]})["time_series"]["x"]
    assert entry["rows"] == [[None] * 6, [2, 2, 2, 2, 2, None], [3] * 6]
    assert (entry["suppressed_rows"], entry["withheld"], entry["suppressed"]) == ([0], 1, False)


def test_rejected_values_count_as_a_difference_too():
    results = series([[1] * 6, [2] * 6, [3] * 6])
    results["time_series"]["x"]["rejected"] = [2, 0, 0]
    entry = publication.apply(results, K, {"x": [[(0, 0)], [(0, 0)]]})["time_series"]["x"]
    assert entry["rows"][0] == [None] * 6 and entry["rows"][1] == [2] * 6


def test_too_few_lines_suppress_the_whole_series():
    entry = publication.apply(series([[1] * 4, [2] * 4, [3] * 4]), K)["time_series"]["x"]
    assert entry["suppressed"] and entry["rows"] == []


@pytest.mark.parametrize("results", [
    sorted_result(K), sorted_result(K - 1),
    series([[1, None, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6]]),
    series([[1, 1, None, None, None, None], [1] * 6, [2] * 6]),
    series([[1, 1, 1, 1, 1, 9], [2, 2, 2, 2, 2, None], [3, 3, 3, 3, 3, 3]]),
])
@pytest.mark.parametrize("overlaps", [None, {"x": [[(0, 0)], [(0, 0)]]}, {"x": [[(1, 0)], [(K, 0)]]}])
def test_applying_the_rules_again_changes_nothing(results, overlaps):
    once = publication.apply(copy.deepcopy(results), K, overlaps)
    assert publication.apply(copy.deepcopy(once), K, overlaps) == once
