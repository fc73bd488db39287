"""The results a run must publish, computed in the clear (exact Python integers) from the generated
figures, and the comparison with what the portal stored (`AnalysisRun.results`, docs/api.md "Internal").

Values are compared exactly in the encoded units (a fixed-point figure times 10^scale). The publication
rules (consortium/portal/publication.py) blank what a small group would reveal, so a published value
must equal the plaintext one, and a value may be missing only where the rules allow it: a suppressed
indicator or ratio (fewer than k values), a blanked time-series cell or row.
"""

from __future__ import annotations

from decimal import Decimal

from consortium.contract.figures import scaled


def cell(values: dict | None, field: dict) -> tuple[bool, int | None]:
    """(valid, encoded value): valid when given and within [lo, hi]; value None when not given."""
    raw = None if values is None else values.get(field["code"])
    if raw in (None, ""):
        return False, None
    x = scaled(raw, field["scale"])
    return int(field["lo"]) <= x <= int(field["hi"]), x


def expected(request: dict, fields: dict[str, dict], table: dict[tuple[str, int], dict | None],
             companies: list[str], period_ids: list[int]) -> dict:
    """Plaintext results. `table[(company, period id)]`: the figures that count (None: no submission);
    `companies`: the key period's companies in any order (the lines of the series)."""
    key = period_ids[-1]
    out = {"indicators": {}, "ratios": {}, "time_series": {}}
    for a in request["analyses"]:
        if a["kind"] == "sorted_indicator":
            f = fields[a["indicator"]]
            cells = [cell(table.get((c, key)), f) for c in companies]
            good = sorted(v for ok, v in cells if ok)
            out["indicators"][a["indicator"]] = {"values": good, "count": len(good),
                                                 "rejected": sum(v is not None and not ok for ok, v in cells)}
        elif a["kind"] == "ratio":
            num = [cell(table.get((c, key)), fields[a["numerator"]]) for c in companies]
            den = [cell(table.get((c, key)), fields[a["denominator"]]) for c in companies]
            q = sorted(int(Decimal(n) * (1 << a["frac_bits"]) / Decimal(d))  # truncated toward zero
                       for (nok, n), (dok, d) in zip(num, den, strict=True) if nok and dok and d)
            out["ratios"][a["name"]] = {"values": q, "count": len(q),
                                        "rejected": sum(v is not None and not ok for ok, v in num + den)}
        else:
            f = fields[a["indicator"]]
            lines = []
            for c in companies:
                ok, v = cell(table.get((c, key)), f)
                if ok:
                    lines.append(tuple(_valid_or_none(table.get((c, p)), f) for p in period_ids))
            rejected = [sum(v is not None and not ok
                            for ok, v in (cell(table.get((c, p)), f) for c in companies))
                        for p in period_ids]
            out["time_series"][a["indicator"]] = {"lines": lines, "count": len(lines), "rejected": rejected}
    return out


def _valid_or_none(values, field):
    ok, v = cell(values, field)
    return v if ok else None


def compare(stored: dict, plain: dict) -> list[str]:
    """Every difference between the stored results and the plaintext ones (empty: they agree)."""
    problems = []
    for group in ("indicators", "ratios"):
        for name, want in plain[group].items():
            got = stored.get(group, {}).get(name)
            if got is None:
                problems.append(f"{group} {name}: missing")
                continue
            if (got["count"], got["rejected"]) != (want["count"], want["rejected"]):
                problems.append(f"{group} {name}: count/rejected {got['count']}/{got['rejected']} != "
                                f"{want['count']}/{want['rejected']}")
            elif got.get("suppressed"):
                if got["values"]:
                    problems.append(f"{group} {name}: suppressed but values published")
            elif got["values"] != want["values"]:
                problems.append(f"{group} {name}: values differ")
    for code, want in plain["time_series"].items():
        got = stored.get("time_series", {}).get(code)
        if got is None:
            problems.append(f"time series {code}: missing")
            continue
        if (got["count"], got["rejected"]) != (want["count"], want["rejected"]):
            problems.append(f"time series {code}: count/rejected differ")
        elif not got.get("suppressed"):
            problems += [f"time series {code}: {p}" for p in _series_problems(got, want)]
    return problems


def _series_problems(got: dict, want: dict) -> list[str]:
    rows = got["rows"]
    published = list(zip(*rows, strict=True)) if rows else []
    if len(published) != want["count"]:
        return [f"{len(published)} lines published, {want['count']} expected"]
    if [line[-1] for line in published] != sorted(line[-1] for line in want["lines"]):
        return ["the key period's row is not the sorted indicator"]
    if _matching(published, want["lines"]) is None:  # each published line is one company's, blanks aside
        return ["a published line matches no company's figures"]
    missing = sum(g is None for line in published for g in line)
    if missing > sum(v is None for line in want["lines"] for v in line):
        if not (any(got.get("blanked") or []) or got.get("suppressed_rows")):
            return ["a value is missing that no publication rule blanked"]
    return []


def _matching(published: list[tuple], plain: list[tuple]) -> list[int] | None:
    """A one-to-one assignment of published lines to plaintext lines that agree on every published cell
    (ties in the key period make a greedy choice wrong), or None. Kuhn's augmenting paths."""
    fits = [[k for k, p in enumerate(plain)
             if all(g is None or g == v for g, v in zip(line, p, strict=True)) and line[-1] == p[-1]]
            for line in published]
    owner: dict[int, int] = {}

    def place(i: int, seen: set[int]) -> bool:
        for k in fits[i]:
            if k not in seen:
                seen.add(k)
                if k not in owner or place(owner[k], seen):
                    owner[k] = i
                    return True
        return False

    if not all(place(i, set()) for i in range(len(published))):
        return None
    return [k for k, _ in sorted(owner.items(), key=lambda kv: kv[1])]

