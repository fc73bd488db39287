"""The publication rules, in one place: what of a run's results may be stored and shown.

Applied by the runs app before a run's results are stored (no value of a small cohort is ever kept)
and again by the reports when they are read (so a raised PUBLICATION_MIN_VALUES holds for old runs
too). `apply` is idempotent. k is PUBLICATION_MIN_VALUES; a group of fewer than k values could point at
individual members:

- a sorted indicator or ratio with fewer than k values: `values` [] and `suppressed` true (its `count`
  and `rejected` stay);
- a time series (one anonymous line per company across the periods):
  1. an earlier period's row with fewer than k values: all null, its index in `suppressed_rows`;
  2. a line whose presence pattern (the periods in which it has a value) is shared by fewer than k
     lines: withheld (`withheld` counts them). The portal knows which company submitted in which
     period, so a rare pattern would tell it whose line it is, and with it that company's figures;
  3. fewer than k lines left, or fewer than k values in the last (key) period: the whole series is
     suppressed (`rows` []).
  Rows 1 and lines 2 are repeated until neither changes: withholding lines can empty a row, and an
  emptied row merges patterns (so it never makes a kept line's group smaller).
"""

from __future__ import annotations

from collections import Counter


def is_publishable(count: int, min_values: int) -> bool:
    """Small-cohort suppression: fewer than `min_values` values would point at individual members."""
    return count >= min_values


def apply(results: dict, min_values: int) -> dict:
    """Drop, in place, every value the reports may not publish; returns `results`."""
    for entry in [*results.get("indicators", {}).values(), *results.get("ratios", {}).values()]:
        count = entry.get("count", len(entry.get("values", [])))
        entry["suppressed"] = entry.get("suppressed", False) or not is_publishable(count, min_values)
        if entry["suppressed"]:
            entry["values"] = []
    for entry in results.get("time_series", {}).values():
        _series(entry, min_values)
    return results


def _series(entry: dict, k: int) -> None:
    rows = entry["rows"]
    entry.setdefault("withheld", 0)
    entry.setdefault("suppressed_rows", [])
    while rows and rows[0]:
        emptied = _empty_small_rows(rows, k, entry["suppressed_rows"])
        withheld = _rare_patterns(rows, k)
        for row in rows:
            row[:] = [v for i, v in enumerate(row) if i not in withheld]
        entry["withheld"] += len(withheld)
        if not emptied and not withheld:
            break
    lines = len(rows[-1]) if rows else 0
    key_values = sum(v is not None for v in rows[-1]) if rows else 0
    entry["suppressed"] = (entry.get("suppressed", False) or not is_publishable(entry.get("count", lines), k)
                           or not is_publishable(lines, k) or not is_publishable(key_values, k))
    if entry["suppressed"]:
        entry["rows"] = []


def _empty_small_rows(rows: list, k: int, suppressed: list) -> bool:
    """Null every earlier period's row with fewer than k values and list it in `suppressed` (the key
    period's row decides about the whole series); whether a value was removed."""
    emptied = False
    for p, row in enumerate(rows[:-1]):
        present = sum(v is not None for v in row)
        if is_publishable(present, k):
            continue
        emptied = emptied or present > 0
        row[:] = [None] * len(row)
        if p not in suppressed:
            suppressed.append(p)
            suppressed.sort()
    return emptied


def _rare_patterns(rows: list, k: int) -> set[int]:
    """The lines whose presence pattern fewer than k lines share."""
    patterns = [tuple(row[i] is not None for row in rows) for i in range(len(rows[0]))]
    counts = Counter(patterns)
    return {i for i, pattern in enumerate(patterns) if counts[pattern] < k}
