"""What the portal asks the miners to compute for a closed period (docs/api.md, `POST {miner}/api/runs`).

Only pseudonyms (submission ids), indicator codes and ranges go to the miners: never a
company. For each company the latest *complete* submission counts; the columns are in the
order of their submission ids, which says nothing about the companies behind them.
"""

from __future__ import annotations

from consortium.portal.periods.models import CollectionPeriod
from consortium.portal.submissions.models import Submission

# The composite indicator of the paper: added value per employee.
RATIO_NAME = "added_value_per_employee"
RATIO_NUMERATOR, RATIO_DENOMINATOR = "added_value", "employees"
# Time series: this period and the two before it of the same kind (oldest first).
TIME_SERIES_PERIODS = 3


def latest_complete(period: CollectionPeriod) -> dict[int, str]:
    """company id -> submission id of its latest complete submission in `period`."""
    latest: dict[int, str] = {}
    complete = (Submission.objects.filter(period=period, state=Submission.State.COMPLETE)
                .order_by("company_id", "-completed_at", "-pk"))
    for company_id, submission_id in complete.values_list("company_id", "submission_id"):
        latest.setdefault(company_id, str(submission_id))
    return latest


def series_periods(period: CollectionPeriod) -> list[CollectionPeriod]:
    """Up to TIME_SERIES_PERIODS closed periods of the same kind ending with `period`, oldest first; not
    those whose shares were deleted (retention): the miners no longer hold them."""
    earlier = (CollectionPeriod.objects.filter(kind=period.kind, state=CollectionPeriod.State.CLOSED,
                                               ends_on__lt=period.ends_on, shares_deletion_requested_at=None)
               .exclude(pk=period.pk).order_by("-ends_on")[:TIME_SERIES_PERIODS - 1])
    return [*reversed(list(earlier)), period]


def build_request(period: CollectionPeriod, run_id: str, portal_url: str = "") -> dict:
    """The body of `POST {miner}/api/runs`, the same for the three miners."""
    latest = latest_complete(period)
    companies = sorted(latest, key=lambda company: latest[company])
    indicators = list(period.indicators.order_by("position", "pk"))
    analyses: list[dict] = [
        {"kind": "sorted_indicator", "indicator": d.code, "lo": d.lo, "hi": d.hi, "descending": False}
        for d in indicators
    ]
    by_code = {d.code: d for d in indicators}
    if RATIO_NUMERATOR in by_code and RATIO_DENOMINATOR in by_code:
        num, den = by_code[RATIO_NUMERATOR], by_code[RATIO_DENOMINATOR]
        analyses.append({"kind": "ratio", "name": RATIO_NAME, "numerator": num.code,
                         "denominator": den.code, "num_lo": num.lo, "num_hi": num.hi,
                         "den_lo": den.lo, "den_hi": den.hi, "frac_bits": 0})
    periods = series_periods(period)
    if len(periods) > 1:  # a "series" of one period is the sorted indicator again
        analyses.extend(_time_series(periods, indicators, companies))
    return {
        "run_id": str(run_id),
        "period": period.pk,
        "ring": period.ring_bits,
        "columns": [latest[c] for c in companies],
        "analyses": analyses,
        "portal_url": portal_url,
    }


def _time_series(periods, indicators, companies) -> list[dict]:
    """One analysis per indicator; rows aligned by company (column), null where it has no complete
    submission (or the indicator was not asked that period)."""
    latest = [latest_complete(p) for p in periods]
    codes = [set(p.indicators.values_list("code", flat=True)) for p in periods]
    return [
        {"kind": "time_series", "indicator": d.code, "lo": d.lo, "hi": d.hi,
         "periods": [p.pk for p in periods],
         "rows": [[by_company.get(c) if d.code in asked else None for c in companies]
                  for by_company, asked in zip(latest, codes, strict=True)]}
        for d in indicators
    ]


def series_overlaps(period_ids: list[int]) -> list[list[tuple[int, int]]]:
    """For the time series over `period_ids` (oldest first, the last is the key period): per earlier
    period p, against each list that published p's values before it (p's own report, and the series
    of each later period before the key), the pair (companies only in that list, companies only in
    this series' row p). Counts of companies from who submitted when, never a value: what
    `publication.apply` needs to refuse a row that differs from an earlier list by a few companies."""
    periods = {p.pk: p for p in CollectionPeriod.objects.filter(pk__in=period_ids)}
    cohorts = [set(latest_complete(periods[pk])) if pk in periods else set() for pk in period_ids]
    key = cohorts[-1]
    overlaps = []
    for p in range(len(cohorts) - 1):
        here = cohorts[p] & key
        earlier = [cohorts[p] & cohorts[later] for later in range(p, len(cohorts) - 1)]
        overlaps.append([(len(there - here), len(here - there)) for there in earlier])
    return overlaps


def publication_overlaps(results: dict) -> dict:
    """`series_overlaps` of every time series in a run's results, by indicator code (the series of one
    run share their periods: computed once per distinct list of periods)."""
    by_periods: dict[tuple, list] = {}
    out = {}
    for code, entry in (results or {}).get("time_series", {}).items():
        periods = tuple(int(p) for p in entry.get("periods", []))
        if periods not in by_periods:
            by_periods[periods] = series_overlaps(list(periods))
        out[code] = by_periods[periods]
    return out
