"""Checks for sorts whose equal keys come out in a secret random order."""

import numpy as np


def canonical(rows) -> np.ndarray:
    """The (r, n) columns sorted by all rows (row 0 first): equal for the same multiset of columns."""
    matrix = np.stack([np.asarray(r).astype(np.int64) for r in rows])
    if matrix.shape[1] == 0:
        return matrix
    return matrix[:, np.lexsort(matrix[::-1])]


def assert_sorted_up_to_ties(got_rows, want_rows) -> None:
    """The same key row, and the same columns within each run of equal keys (in any order)."""
    got = [np.asarray(r).astype(np.int64) for r in got_rows]
    want = [np.asarray(r).astype(np.int64) for r in want_rows]
    assert np.array_equal(got[0], want[0]), "keys differ"
    assert np.array_equal(canonical(got), canonical(want)), "payload does not follow its key"
