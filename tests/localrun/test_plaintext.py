"""The demo's and the system tests' comparison of stored results with the plaintext ones: it must find
every wrong value, and accept what the publication rules legitimately blank or reorder."""

from consortium.localrun.plaintext import compare

PLAIN = {"indicators": {"employees": {"values": [3, 5, 5, 9, 12], "count": 5, "rejected": 1}},
         "ratios": {},
         "time_series": {"employees": {"lines": [(1, 5), (2, 5), (None, 9)], "count": 3, "rejected": [0, 1]}}}


def stored(rows, blanked=(0, 0), values=(3, 5, 5, 9, 12)):
    return {"indicators": {"employees": {"values": list(values), "count": 5, "rejected": 1,
                                         "suppressed": False}},
            "ratios": {},
            "time_series": {"employees": {"rows": rows, "count": 3, "rejected": [0, 1], "suppressed": False,
                                          "blanked": list(blanked), "suppressed_rows": []}}}


def test_equal_results_pass_whatever_the_order_of_tied_lines():
    assert compare(stored([[2, 1, None], [5, 5, 9]]), PLAIN) == []  # the two lines of 5, swapped


def test_a_wrong_value_is_found():
    assert compare(stored([[1, 2, None], [5, 5, 9]], values=(3, 5, 6, 9, 12)), PLAIN) == [
        "indicators employees: values differ"]
    assert compare(stored([[1, 7, None], [5, 5, 9]]), PLAIN) == [
        "time series employees: a published line matches no company's figures"]


def test_a_missing_value_needs_a_rule_that_blanked_it():
    assert compare(stored([[1, None, None], [5, 5, 9]]), PLAIN) == [
        "time series employees: a value is missing that no publication rule blanked"]
    assert compare(stored([[1, None, None], [5, 5, 9]], blanked=(1, 0)), PLAIN) == []
