"""Realistic synthetic figures of a consortium over several annual periods (the default indicators).

A company's size drives its figures (revenue, staff, costs, profit), with growth from year to year. A
few companies miss a period, and a few give a figure outside the
indicator's range (the analysis rejects it); `corrections` companies submit the key period twice, and
the second (the one that counts) differs. Every figure is a decimal string, as typed into the form.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EUR = 10**12  # the default range of a euro figure (consortium/portal/periods/indicator_sets.py)


@dataclass
class Submission:
    company: int
    period: int  # index into the periods, oldest first
    values: dict[str, str | None]


def generate(companies: int, periods: int, seed: int = 1, corrections: int = 1) -> list[Submission]:
    """The submissions in the order they are made (a correction after the first attempt)."""
    rng = np.random.default_rng(seed)
    size = rng.lognormal(mean=0.0, sigma=1.2, size=companies)  # relative size, median 1
    missing = {(int(c), int(rng.integers(0, periods - 1))) for c in
               rng.choice(companies, size=max(1, companies // 20), replace=False)} if periods > 1 else set()
    out = []
    for p in range(periods):
        growth = 1.0 + 0.05 * p
        for c in range(companies):
            if (c, p) in missing:
                continue
            out.append(Submission(c, p, _figures(rng, size[c] * growth)))
    last = periods - 1  # the key period
    for c in rng.choice(companies, size=min(corrections, companies), replace=False):
        first = next(s for s in out if s.company == c and s.period == last)
        corrected = dict(first.values, employees=str(int(first.values["employees"] or 0) + 1))
        out.append(Submission(int(c), last, corrected))
    counted = list(counting(out).values())
    key_period = [s for s in counted if s.period == last]
    out_of_range = [key_period[int(rng.integers(0, len(key_period)))]]  # one that the key period counts
    out_of_range += list(rng.choice(counted, size=len(counted) // 40, replace=False))
    for s in out_of_range:  # a few figures out of range
        s.values["employees"] = str(1_000_001 + int(rng.integers(0, 1000)))
    return out


def _figures(rng, size: float) -> dict[str, str | None]:
    revenue = int(size * rng.uniform(2e6, 4e6))
    employees = max(1, int(size * rng.uniform(15, 40)))
    labour = int(employees * rng.uniform(25_000, 45_000))
    added = int(labour + revenue * rng.uniform(-0.05, 0.15))
    return {
        "total_return": str(revenue),
        "employees": str(employees),
        "export_share": f"{rng.uniform(0, 100):.1f}",
        "added_value": str(added),
        "labour_costs": str(labour),
        "training_costs": str(int(labour * rng.uniform(0.002, 0.03))),
        "profit": str(int(revenue * rng.uniform(-0.08, 0.12))),
    }


def counting(submissions: list[Submission]) -> dict[tuple[int, int], Submission]:
    """(company, period) -> the submission that counts: the last one."""
    return {(s.company, s.period): s for s in submissions}
