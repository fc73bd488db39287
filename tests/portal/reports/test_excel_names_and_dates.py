"""The spreadsheet reads well in Excel: sheet names in the reader's language that fit Excel's 31
characters at a word boundary, a file name with the consortium and the period (ASCII only), and dates as
date cells with a number format (not text)."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from consortium.portal.periods.models import IndicatorDefinition
from consortium.portal.reports import excel
from consortium.portal.reports.actions import do_publish
from tests.portal.reports.test_pages import make_report
from tests.portal.reports.test_superseded import analyse_again


def download(client, report):
    response = client.get(reverse("reports:export", args=[report.pk]))
    assert response.status_code == 200
    return response, load_workbook(io.BytesIO(response.content))


def test_sheet_names_are_short_whole_words(client_for, board_user):
    report = make_report()
    IndicatorDefinition.objects.filter(period=report.period, code="employees").update(
        name="Average number of full-time equivalent employees")
    _response, wb = download(client_for(board_user), report)
    assert wb.sheetnames[0] == "Summary"
    assert all(len(title) <= 31 for title in wb.sheetnames)
    assert "Average number of full-time…" in wb.sheetnames
    assert "Average number… over time" in wb.sheetnames
    assert "Percentage of export" in wb.sheetnames


def test_the_estonian_workbook_has_estonian_sheet_names(client_for, board_user):
    board_user.language = "et"
    board_user.save(update_fields=["language"])
    _response, wb = download(client_for(board_user), make_report())
    assert wb.sheetnames == ["Kokkuvõte", "Töötajate arv", "Ekspordi osakaal", "Lisandväärtus töötaja kohta",
                             "Töötajate arv ajas"]


@pytest.mark.parametrize("state, name", [("draft", "metalliliit-2025-h1-draft.xlsx"),
                                         ("published", "metalliliit-2025-h1.xlsx"),
                                         ("superseded", "metalliliit-2025-h1-superseded.xlsx")])
def test_the_file_is_named_after_the_consortium_and_the_period(client_for, board_user, settings, state, name):
    settings.CONSORTIUM_NAME = "Metalliliit"
    report = make_report(publish_by=board_user if state != "draft" else None)
    if state == "superseded":
        do_publish(analyse_again(report), board_user)
        report.refresh_from_db()
    response, _wb = download(client_for(board_user), report)
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'


def test_a_name_with_estonian_letters_becomes_ascii(settings, board_user):
    settings.CONSORTIUM_NAME = "Eesti Mööblitootjate Liit"
    report = make_report("2025 II poolaasta")
    assert excel.file_name(report) == "eesti-mooblitootjate-liit-2025-ii-poolaasta-draft.xlsx"


def test_dates_are_date_cells_in_the_consortiums_time(client_for, board_user, settings):
    settings.TIME_ZONE = "Europe/Tallinn"
    report = make_report(publish_by=board_user)
    _response, wb = download(client_for(board_user), report)
    ws = wb.worksheets[0]
    meta = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2) for r in range(3, 10)}
    published = meta["Published"]
    assert isinstance(published.value, dt.datetime) and published.number_format == "yyyy-mm-dd hh:mm"
    local = report.published_at.astimezone(ZoneInfo("Europe/Tallinn")).replace(tzinfo=None, microsecond=0)
    assert published.value == local
    assert isinstance(meta["Exported"].value, dt.datetime)
    assert meta["Consortium"].value == settings.CONSORTIUM_NAME
