"""Numbers the Python side writes, in the reader's language; whole-number statistics without ".00"."""

import pytest
from django.template.defaultfilters import floatformat
from django.utils import translation
from openpyxl import Workbook

from consortium.portal.reports import charts, excel
from consortium.portal.reports.content import Section
from consortium.portal.reports.statistics import Summary
from consortium.portal.submissions.views import _unscaled

NBSP = "\xa0"


@pytest.mark.parametrize("language, trillion, zero", [("en", "1,000,000,000,000", "0.0"),
                                                       ("et", NBSP.join(["1", "000", "000", "000", "000"]),
                                                        "0,0")])
def test_it_writes_the_forms_allowed_range_in_the_members_language(language, trillion, zero):
    with translation.override(language):
        assert _unscaled(10**12, 0) == trillion
        assert _unscaled(0, 1) == zero
        assert _unscaled(-10**12, 0) == "-" + trillion


def test_it_writes_chart_ticks_in_the_readers_language():
    with translation.override("et"):
        assert charts.compact(1500) == "1,5k" and charts.compact(0.25) == "0,25"
    with translation.override("en"):
        assert charts.compact(1500) == "1.5k"


def _section(decimals):
    return Section(code="x", name="x", unit="EUR", decimals=decimals, count=5, published=True)


def test_a_whole_quartile_of_a_whole_number_indicator_shows_no_cents():
    with translation.override("en"):
        money = _section(0)
        assert floatformat(12500.0, money.stat_fmt) == "12,500"
        assert floatformat(12500.5, money.stat_fmt) == "12,500.50"
        assert floatformat(12.5, _section(1).stat_fmt) == "12.50"  # a decimal indicator keeps its places


def test_the_spreadsheet_shows_the_statistics_as_the_page_does():
    ws = Workbook().active
    summary = Summary(count=5, min=1, q1=12500, median=12500.5, q3=13000.0, mean=12800.25, max=20000)
    excel._summary_cells(ws, 1, summary, 0)
    formats = {ws.cell(row=1, column=c).number_format for c in (5, 7)}  # q1, q3: whole
    assert formats == {"#,##0"}
    assert ws.cell(row=1, column=6).number_format == "#,##0.00"  # the median: not whole
    assert isinstance(ws.cell(row=1, column=7).value, float)  # a number, not text
