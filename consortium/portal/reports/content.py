"""What a report shows, built from its run's results (docs/api.md, "Internal") for one viewer.

The page and the spreadsheet both read this, so they cannot disagree. Publication rules
live here: an indicator with fewer than PUBLICATION_MIN_VALUES values carries no values
and no statistics at all; rejected counts are filled in for staff only.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consortium.portal.periods.models import CollectionPeriod, Encoding

from . import charts
from .statistics import Decoding, Summary, is_publishable, stat_decimals, summarize

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
        return {s.code: {"values": s.values, "decimals": s.decimals}
                for s in self.sections if s.published}


def _definitions(period) -> dict:
    return {d.code: d for d in period.indicators.all()}


def _decoding(definition) -> Decoding:
    if definition is not None and definition.encoding == Encoding.FIXED:
        return Decoding.fixed(definition.scale)
    return Decoding()


def _scale(definition) -> int:
    return definition.scale if definition is not None and definition.encoding == Encoding.FIXED else 0


def _section(code, name, unit, entry, decoding, k, show_rejected) -> Section:
    encoded = [int(v) for v in entry.get("values", [])]
    # A small cohort is stored without its values (runs/reconstruct.py, `suppressed`): its count stays.
    count = int(entry.get("count", len(encoded)))
    section = Section(code=code, name=str(name), unit=unit, decimals=decoding.decimals, count=count,
                      published=is_publishable(len(encoded), k) and not entry.get("suppressed", False))
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


def _series(code, entry, definition, k, show_rejected) -> SeriesSection:
    decoding = _decoding(definition)
    period_ids = [int(p) for p in entry.get("periods", [])]
    names = dict(CollectionPeriod.objects.filter(pk__in=period_ids).values_list("pk", "name"))
    raw_rows = entry.get("rows", [])  # per period, aligned by company, sorted by the last period
    count = int(entry.get("count", 0))
    s = SeriesSection(code=code, name=definition.display_name if definition else code,
                      unit=definition.unit if definition else "",
                      decimals=decoding.decimals, count=count, published=is_publishable(count, k),
                      period_names=[names.get(p, str(p)) for p in period_ids])
    if show_rejected:
        s.rejected = list(entry.get("rejected", []))
    key_present = sum(v is not None for v in raw_rows[-1]) if raw_rows else 0
    s.published = s.published and is_publishable(key_present, k)
    if not s.published:
        return s
    decoded = []
    for name, row in zip(s.period_names, raw_rows, strict=False):
        present = sum(v is not None for v in row)
        if not is_publishable(present, k):  # an older period with a small cohort stays blank
            s.suppressed_periods.append(name)
            decoded.append([None] * len(row))
        else:
            decoded.append([None if v is None else decoding.value(int(v)) for v in row])
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
    results = run.results or {}
    k = settings.PUBLICATION_MIN_VALUES
    show_rejected = bool(getattr(viewer, "is_consortium_staff", False))
    definitions = _definitions(report.period)
    position = {code: i for i, code in enumerate(definitions)}
    raw = results.get("indicators", {})
    indicators = []
    for code in sorted(raw, key=lambda c: (position.get(c, len(position)), c)):
        d = definitions.get(code)
        section = _section(code, d.display_name if d else code, d.unit if d else "", raw[code],
                           _decoding(d), k, show_rejected)
        section.definition = d.display_help_text if d else ""
        indicators.append(section)
    ratios = []
    for name, entry in sorted(results.get("ratios", {}).items()):
        req = _ratio_request(run, name)
        num, den = definitions.get(req.get("numerator")), definitions.get(req.get("denominator"))
        decoding = Decoding.ratio(int(entry.get("frac_bits", 0)), _scale(num), _scale(den))
        unit = f"{num.unit}/{den.unit}" if num and den and den.unit else (num.unit if num else "")
        label = RATIO_NAMES.get(name, name.replace("_", " ").capitalize())
        ratios.append(_section(name, label, unit, entry, decoding, k, show_rejected))
    series = [_series(code, entry, definitions.get(code), k, show_rejected)
              for code, entry in sorted(results.get("time_series", {}).items(),
                                        key=lambda kv: (position.get(kv[0], len(position)), kv[0]))]
    return ReportContent(indicators, ratios, series, k, show_rejected)

