"""What a report shows, built from its run's results (docs/api.md, "Internal") for one viewer.

The page and the spreadsheet both read this, so they cannot disagree. The publication rules
(`consortium.portal.publication`, the same the runs app applied before storing) are applied again
with today's PUBLICATION_MIN_VALUES: a suppressed indicator carries no values and no statistics at
all; rejected counts are filled in for staff only.
"""

import copy
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consortium.portal import publication
from consortium.portal.periods.models import CollectionPeriod, Encoding
from consortium.portal.runs import plan

from . import charts
from .statistics import Decoding, Summary, stat_decimals, summarize

RATIO_NAMES = {"added_value_per_employee": gettext_lazy("Added value per employee")}


@dataclass
class Section:
    """One sorted indicator (or ratio): its values and statistics, or the fact it is suppressed."""

    code: str
    name: str
    unit: str
    decimals: int
    count: int
    published: bool
    rejected: int | None = None  # staff only
    values: list = field(default_factory=list)
    summary: Summary | None = None
    chart: SafeString | str = ""
    definition: str = ""  # what the indicator means, as the form told members
    parts: tuple[str, ...] = ()  # a ratio's numerator and denominator codes

    @property
    def fmt(self) -> str:
        """floatformat argument for values: their places, grouped thousands."""
        return f"{self.decimals}g"

    @property
    def stat_fmt(self) -> str:
        """floatformat argument for quartiles and the mean: of a whole-number indicator, places only
        when the value is not whole (a negative floatformat argument), as statistics.stat_places."""
        places = stat_decimals(self.decimals)
        return f"-{places}g" if self.decimals == 0 else f"{places}g"


@dataclass
class SeriesRow:
    rank: int
    values: list  # one per period, None where the company had no value


@dataclass
class SeriesSection:
    code: str
    name: str
    unit: str
    decimals: int
    count: int
    published: bool
    period_names: list[str] = field(default_factory=list)
    rows: list[SeriesRow] = field(default_factory=list)
    suppressed_periods: list[str] = field(default_factory=list)
    rejected: list | None = None  # staff only
    chart: SafeString | str = ""

    @property
    def fmt(self) -> str:
        return f"{self.decimals}g"


@dataclass
class ReportContent:
    indicators: list[Section]
    ratios: list[Section]
    time_series: list[SeriesSection]
    min_values: int
    show_rejected: bool

    @property
    def sections(self) -> list[Section]:
        return self.indicators + self.ratios

    def published_values(self) -> dict:
        """What the page's "where would my value stand" box may use: published sorted values only."""
        return {s.code: {"values": s.values, "decimals": s.decimals,
                         **({"of": list(s.parts)} if s.parts else {})}  # a ratio: of which two figures
                for s in self.sections if s.published}


def _definitions(period) -> dict:
    return {d.code: d for d in period.indicators.all()}


def _decoding(definition) -> Decoding:
    if definition is not None and definition.encoding == Encoding.FIXED:
        return Decoding.fixed(definition.scale)
    return Decoding()


def _scale(definition) -> int:
    return definition.scale if definition is not None and definition.encoding == Encoding.FIXED else 0


def _section(code, name, unit, entry, decoding, show_rejected) -> Section:
    encoded = [int(v) for v in entry.get("values", [])]
    section = Section(code=code, name=str(name), unit=unit, decimals=decoding.decimals,
                      count=int(entry.get("count", len(encoded))), published=not entry["suppressed"])
    if show_rejected:
        section.rejected = int(entry.get("rejected", 0))
    if section.published:
        section.values = [decoding.value(v) for v in encoded]
        section.summary = summarize(encoded, decoding).rounded(stat_decimals(decoding.decimals))
        section.chart = charts.distribution_svg(
            section.values, section.summary, _("Distribution of %(name)s") % {"name": section.name})
    return section


def _ratio_request(run, name) -> dict:
    for analysis in (run.request or {}).get("analyses", []):
        if analysis.get("kind") == "ratio" and analysis.get("name") == name:
            return analysis
    return {}


def _median(values):
    present = sorted(v for v in values if v is not None)
    if not present:
        return None
    m = len(present) // 2
    return present[m] if len(present) % 2 else (present[m - 1] + present[m]) / 2


def _series(code, entry, definition, show_rejected) -> SeriesSection:
    decoding = _decoding(definition)
    period_ids = [int(p) for p in entry.get("periods", [])]
    names = dict(CollectionPeriod.objects.filter(pk__in=period_ids).values_list("pk", "name"))
    raw_rows = entry.get("rows", [])  # per period, aligned by company, sorted by the last period
    s = SeriesSection(code=code, name=definition.display_name if definition else code,
                      unit=definition.unit if definition else "",
                      decimals=decoding.decimals, count=int(entry.get("count", 0)),
                      published=not entry["suppressed"],
                      period_names=[names.get(p, str(p)) for p in period_ids])
    if show_rejected:
        s.rejected = list(entry.get("rejected", []))
    if not s.published:
        return s
    s.suppressed_periods = [s.period_names[p] for p in entry["suppressed_rows"] if p < len(s.period_names)]
    decoded = [[None if v is None else decoding.value(int(v)) for v in row] for row in raw_rows]
    columns = list(zip(*decoded, strict=True)) if decoded else []
    key = [c[-1] for c in columns]
    order = sorted(range(len(columns)), key=lambda i: (key[i] is None, key[i] if key[i] is not None else 0))
    s.rows = [SeriesRow(rank=r + 1, values=list(columns[i])) for r, i in enumerate(order)]
    medians = [_median(row) for row in decoded]
    s.chart = charts.time_series_svg(s.period_names, [r.values for r in s.rows], medians,
                                     _("%(name)s over the last periods") % {"name": s.name})
    return s


def build(report, viewer) -> ReportContent:
    run = report.run
    k = settings.PUBLICATION_MIN_VALUES
    results = copy.deepcopy(run.results or {})
    results = publication.apply(results, k, plan.publication_overlaps(results))
    show_rejected = bool(getattr(viewer, "is_consortium_staff", False))
    definitions = _definitions(report.period)
    position = {code: i for i, code in enumerate(definitions)}
    raw = results.get("indicators", {})
    indicators = []
    for code in sorted(raw, key=lambda c: (position.get(c, len(position)), c)):
        d = definitions.get(code)
        section = _section(code, d.display_name if d else code, d.unit if d else "", raw[code],
                           _decoding(d), show_rejected)
        section.definition = d.display_help_text if d else ""
        indicators.append(section)
    ratios = []
    for name, entry in sorted(results.get("ratios", {}).items()):
        req = _ratio_request(run, name)
        num, den = definitions.get(req.get("numerator")), definitions.get(req.get("denominator"))
        decoding = Decoding.ratio(int(entry.get("frac_bits", 0)), _scale(num), _scale(den))
        unit = f"{num.unit}/{den.unit}" if num and den and den.unit else (num.unit if num else "")
        label = RATIO_NAMES.get(name, name.replace("_", " ").capitalize())
        ratio = _section(name, label, unit, entry, decoding, show_rejected)
        if num and den:  # a member's saved copy gives the ratio of its own two figures
            ratio.parts = (num.code, den.code)
        ratios.append(ratio)
    series = [_series(code, entry, definitions.get(code), show_rejected)
              for code, entry in sorted(results.get("time_series", {}).items(),
                                        key=lambda kv: (position.get(kv[0], len(position)), kv[0]))]
    return ReportContent(indicators, ratios, series, k, show_rejected)

