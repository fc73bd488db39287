"""The publication rules, in one place: what of a run's results may be stored and shown.

Applied by the runs app before a run's results are stored (no value of a small cohort is ever kept)
and again by the reports when they are read (so a raised PUBLICATION_MIN_VALUES holds for old runs
too). `apply` is idempotent. k is PUBLICATION_MIN_VALUES; a group of fewer than k values could point at
individual members.

Sorted indicators and ratios: fewer than k values: `values` [] and `suppressed` true (`count` and
`rejected` stay).

A time series is one anonymous line per company across the last periods. The portal knows who
submitted in which period, and every period's values were published before in other lists (that
period's own report, earlier series): a line or a cell must not become identifiable by its presence
pattern, nor by subtracting one published list from another. So:
  1. a line whose presence pattern (the periods in which it has a value) fewer than k lines share
     keeps only its key-period value: its earlier cells are blanked, not the line withheld, because
     the key row must stay exactly the key period's sorted indicator (a missing line would be the
     difference of the two);
  2. an earlier period's row is blanked (all null, its index in `suppressed_rows`) when it has fewer
     than k values, or when, compared with any list that published that period's values before
     (`overlaps`: the sizes of the two one-sided differences of the companies behind them, computed
     by the portal from who submitted when), either side of the difference holds between 1 and k - 1
     values: counting, on the other list's side, the row's blanked cells and its rejected values;
  3. 1 and 2 repeat until nothing changes (a blanked row merges patterns; blanked cells shrink rows);
  4. fewer than k lines, or fewer than k values in the key period: the whole series is suppressed.
`withheld` counts the lines whose earlier cells rule 1 blanked; `blanked`, per period, the cells blanked.
"""

from __future__ import annotations

from collections import Counter


def is_publishable(count: int, min_values: int) -> bool:
    """Small-cohort suppression: fewer than `min_values` values would point at individual members."""
    return count >= min_values


def apply(results: dict, min_values: int, overlaps: dict | None = None) -> dict:
    """Drop, in place, every value the reports may not publish; returns `results`.

    `overlaps`: per time-series code, per earlier period of the series, a list of pairs
    (companies only in the earlier list, companies only in this series) against each list that
    published that period's values before (see `runs.plan.series_overlaps`); none: no such list.
    """
    for entry in [*results.get("indicators", {}).values(), *results.get("ratios", {}).values()]:
        count = entry.get("count", len(entry.get("values", [])))
        entry["suppressed"] = entry.get("suppressed", False) or not is_publishable(count, min_values)
        if entry["suppressed"]:
            entry["values"] = []
    for code, entry in results.get("time_series", {}).items():
        _series(entry, min_values, (overlaps or {}).get(code, []))
    return results


def _series(entry: dict, k: int, overlaps: list) -> None:
    rows = entry["rows"]
    entry.setdefault("suppressed_rows", [])
    rejected = entry.get("rejected") or [0] * len(rows)
    blanked = entry.setdefault("blanked", [0] * len(rows))  # cells blanked per row: kept, so that
    rare: set[int] = set()  # applying the rules again judges a row as the first time did
    while rows and rows[0]:
        changed = _blank_small_rows(rows, k, entry["suppressed_rows"], blanked, rejected, overlaps)
        for i in _rare_patterns(rows, k) - rare:
            rare.add(i)
            for p, row in enumerate(rows[:-1]):
                if row[i] is not None:
                    row[i] = None
                    blanked[p] += 1
                    changed = True
        if not changed:
            break
    entry["withheld"] = entry.get("withheld", 0) + len(rare)
    lines = len(rows[-1]) if rows else 0
    key_values = sum(v is not None for v in rows[-1]) if rows else 0
    entry["suppressed"] = (entry.get("suppressed", False) or not is_publishable(entry.get("count", lines), k)
                           or not is_publishable(lines, k) or not is_publishable(key_values, k))
    if entry["suppressed"]:
        entry["rows"] = []


def _differs_by_a_few(p: int, k: int, blanked: list, rejected: list, overlaps: list) -> bool:
    """Whether a list that published period p's values before, minus this row (or the reverse), would
    leave between 1 and k - 1 values."""
    pairs = overlaps[p] if p < len(overlaps) else []
    missing_here = blanked[p] + (rejected[p] if p < len(rejected) else 0)
    return any(0 < only_there + missing_here < k or 0 < only_here < k for only_there, only_here in pairs)


def _blank_small_rows(rows, k, suppressed, blanked, rejected, overlaps) -> bool:
    """Blank every earlier period's row that rule 2 forbids; whether a value was removed."""
    changed = False
    for p, row in enumerate(rows[:-1]):
        present = sum(v is not None for v in row)
        if is_publishable(present, k) and not _differs_by_a_few(p, k, blanked, rejected, overlaps):
            continue
        changed = changed or present > 0
        blanked[p] += present
        row[:] = [None] * len(row)
        if p not in suppressed:
            suppressed.append(p)
            suppressed.sort()
    return changed


def _rare_patterns(rows: list, k: int) -> set[int]:
    """The lines whose presence pattern fewer than k lines share (a line present in the key period
    only reveals nothing the sorted indicator does not: it is never rare)."""
    patterns = [tuple(row[i] is not None for row in rows) for i in range(len(rows[0]))]
    counts = Counter(patterns)
    key_only = tuple([False] * (len(rows) - 1) + [True])
    return {i for i, pattern in enumerate(patterns) if counts[pattern] < k and pattern != key_only}
