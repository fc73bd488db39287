"""The report as an Excel workbook: a summary sheet, one sheet per published indicator, charts.

Every number is the one the page shows (both read `content.build`). Text that came from
people (notes, indicator names) is written as text, never as a formula, so a note that
starts with "=" cannot run anything in the reader's spreadsheet. Sheet names are in the
reader's language and fit Excel's 31 characters at a word boundary; dates are date cells.
"""

import io
import re

from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill

from .content import ReportContent, Section, SeriesSection
from .statistics import Summary, stat_places

HEADER_FILL = PatternFill("solid", fgColor="E8F1F8")
BOLD = Font(bold=True)
STATISTICS_HEADER_ROW = 12  # tests and readers find the statistics table here
SHEET_TITLE_MAX = 31  # Excel's limit
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"  # unambiguous in either language; Excel shows it as a date


def number_format(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def _text(ws, row: int, col: int, value, bold: bool = False):
    cell = ws.cell(row=row, column=col, value=ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    cell.data_type = "s"  # never a formula
    if bold:
        cell.font = BOLD
    return cell


def _number(ws, row: int, col: int, value, decimals: int):
    cell = ws.cell(row=row, column=col, value=value)
    cell.number_format = number_format(decimals)
    return cell


def _shorten(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, cut at a word boundary with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1].rsplit(" ", 1)[0] if " " in text[:limit - 1] else text[:limit - 1]
    return cut.rstrip(" ,;-") + "…"


def _sheet_title(name: str, used: set[str]) -> str:
    base = " ".join(re.sub(r"[\[\]:*?/\\']", " ", name).split()) or "Sheet"
    title, n = _shorten(base, SHEET_TITLE_MAX), 2
    while title.lower() in used:
        suffix = f" {n}"
        title, n = _shorten(base, SHEET_TITLE_MAX - len(suffix)) + suffix, n + 1
    used.add(title.lower())
    return title


def _local(moment):
    """A moment as Excel holds dates: the consortium's wall-clock time, without a zone."""
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0)


def _datetime(ws, row: int, col: int, moment):
    if moment is None:
        return _text(ws, row, col, "—")
    cell = ws.cell(row=row, column=col, value=_local(moment))
    cell.number_format = DATETIME_FORMAT
    cell.alignment = Alignment(horizontal="left")
    return cell


def file_name(report) -> str:
    """consortium-period[-state].xlsx, ASCII only (a header value every browser and mail client keeps)."""
    parts = [slugify(settings.CONSORTIUM_NAME), slugify(report.period.name)]
    if report.is_superseded:
        parts.append("superseded")
    elif not report.is_published:
        parts.append("draft")
    return ("-".join(p for p in parts if p) or "report") + ".xlsx"


def _header(ws, row: int, labels: list[str]):
    for col, label in enumerate(labels, start=1):
        _text(ws, row, col, label, bold=True).fill = HEADER_FILL


def _summary_sheet(ws, report, content: ReportContent):
    ws.title = _sheet_title(_("Summary"), set())
    _text(ws, 1, 1, _("Benchmarking report")).font = Font(bold=True, size=14)
    state = _("superseded") if report.is_superseded else report.get_state_display()
    texts = [(_("Consortium"), settings.CONSORTIUM_NAME), (_("Period"), report.period.name),
             (_("Analysis run"), str(report.run.run_id)), (_("State"), state)]
    row = 3
    for label, value in texts:
        _text(ws, row, 1, label, bold=True)
        _text(ws, row, 2, value).alignment = Alignment(wrap_text=True, vertical="top")
        row += 1
    for label, moment in [(_("Published"), report.published_at), (_("Exported"), timezone.now())]:
        _text(ws, row, 1, label, bold=True)
        _datetime(ws, row, 2, moment)
        row += 1
    _text(ws, row, 1, _("Board's notes"), bold=True)
    _text(ws, row, 2, report.notes or "—").alignment = Alignment(wrap_text=True, vertical="top")
    _text(ws, 10, 1, _("Quartiles and median: linear interpolation between sorted values, as Excel's "
                       "QUARTILE.INC. Indicators with fewer than %(k)d values are not published.")
          % {"k": content.min_values})
    labels = [_("Indicator"), _("Unit"), _("Count"), _("Minimum"), _("Lower quartile"), _("Median"),
              _("Upper quartile"), _("Mean"), _("Maximum")]
    if content.show_rejected:
        labels.append(_("Rejected (out of range)"))
    _header(ws, STATISTICS_HEADER_ROW, labels)
    row = STATISTICS_HEADER_ROW + 1
    for s in content.sections:
        _text(ws, row, 1, s.name)
        _text(ws, row, 2, s.unit)
        ws.cell(row=row, column=3, value=s.count)
        if s.summary is not None:
            _summary_cells(ws, row, s.summary, s.decimals)
        else:
            _text(ws, row, 4, _("Not enough values to publish"))
        if content.show_rejected:
            ws.cell(row=row, column=10, value=s.rejected)
        row += 1
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 40
    for col in "CDEFGHIJ":
        ws.column_dimensions[col].width = 16


def _summary_cells(ws, row: int, summary: Summary, decimals: int):
    exact = {"min": decimals, "max": decimals}
    for col, name in enumerate(Summary.FIELDS[1:], start=4):
        value = getattr(summary, name)
        _number(ws, row, col, value, exact.get(name, stat_places(value, decimals)))


def _indicator_sheet(wb, section: Section, used: set[str]):
    ws = wb.create_sheet(_sheet_title(section.name, used))
    _text(ws, 1, 1, section.name).font = Font(bold=True, size=13)
    _text(ws, 2, 1, _("Sorted values; each row is a value, not a company: rows do not link across sheets."))
    _header(ws, 4, [_("Rank"), f"{section.name} ({section.unit})" if section.unit else section.name])
    for i, value in enumerate(section.values, start=1):
        ws.cell(row=4 + i, column=1, value=i)
        _number(ws, 4 + i, 2, value, section.decimals)
    ws.column_dimensions["B"].width = 24
    chart = BarChart()
    chart.title = section.name
    chart.y_axis.title = section.unit or section.name
    chart.x_axis.title = _("Rank")
    chart.legend = None
    last = 4 + len(section.values)
    chart.add_data(Reference(ws, min_col=2, min_row=4, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=5, max_row=last))
    chart.width, chart.height = 18, 9
    ws.add_chart(chart, "D4")


def _series_sheet(wb, series: SeriesSection, used: set[str]):
    # The indicator's name is shortened, never "over time": two series sheets stay distinct from the
    # indicators' own sheets, and read as what they are.
    room = SHEET_TITLE_MAX - 3 - len(_("%(name)s over time") % {"name": ""})  # 3: a " 2" suffix, if any
    ws = wb.create_sheet(_sheet_title(_("%(name)s over time") % {"name": _shorten(series.name, room)}, used))
    _text(ws, 1, 1, _("%(name)s over time") % {"name": series.name}).font = Font(bold=True, size=13)
    _text(ws, 2, 1, _("One row per company, anonymous, ordered by the latest period."))
    _header(ws, 4, [_("Company (rank)"), *series.period_names])
    for r, row in enumerate(series.rows, start=5):
        _text(ws, r, 1, _("Company %(rank)d") % {"rank": row.rank})
        for c, value in enumerate(row.values, start=2):
            if value is not None:
                _number(ws, r, c, value, series.decimals)
    if series.rows:
        chart = LineChart()
        chart.title = series.name
        chart.legend = None
        last_col = 1 + len(series.period_names)
        chart.add_data(Reference(ws, min_col=1, max_col=last_col, min_row=5, max_row=4 + len(series.rows)),
                       from_rows=True, titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=2, max_col=last_col, min_row=4))
        chart.width, chart.height = 18, 9
        ws.add_chart(chart, f"{chr(ord('A') + last_col + 1)}4")


def workbook_bytes(report, content: ReportContent) -> bytes:
    wb = Workbook()
    _summary_sheet(wb.active, report, content)
    used = {wb.active.title.lower()}
    for section in content.sections:
        if section.published:
            _indicator_sheet(wb, section, used)
    for series in content.time_series:
        if series.published:
            _series_sheet(wb, series, used)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
