"""The Excel export, read back with openpyxl: the page's numbers, charts, notes, period and run id."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from consortium.portal.accounts.models import AuditEvent
from consortium.portal.reports.actions import do_update_notes
from consortium.portal.reports.excel import STATISTICS_HEADER_ROW
from consortium.portal.reports.statistics import Summary
from tests.portal.reports.test_pages import make_report


def _download(client, report):
    response = client.get(reverse("reports:export", args=[report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content))


@pytest.fixture
def report(board_user):
    r = make_report()
    do_update_notes(r, board_user, "=HYPERLINK(\"http://evil\") Strong half-year.")
    return r


def test_every_number_matches_the_page(client_for, board_user, report):
    c = client_for(board_user)
    page = c.get(reverse("reports:detail", args=[report.pk])).context["content"]
    wb = _download(c, report)
    ws = wb.worksheets[0]
    rows = {r[0]: r for r in ws.iter_rows(min_row=STATISTICS_HEADER_ROW + 1, values_only=True) if r[0]}
    published = [s for s in page.sections if s.published]
    assert len(published) == 3
    for section in page.sections:
        row = rows[section.name]
        assert (row[1] or "") == section.unit and row[2] == section.count
        if section.published:
            assert list(row[2:9]) == section.summary.as_row()
            sheet = next(wb[t] for t in wb.sheetnames if wb[t]["A1"].value == section.name)
            column = [r[1] for r in sheet.iter_rows(min_row=5, values_only=True)]
            assert column == section.values
        else:
            assert row[3] == "Not enough values to publish"
            assert not any(wb[t]["A1"].value == section.name for t in wb.sheetnames)
    assert len(Summary.FIELDS) == 7


def test_it_holds_native_charts(client_for, board_user, report):
    wb = _download(client_for(board_user), report)
    charted = wb.sheetnames[1:]
    assert len(charted) == 4  # employees, export share, the ratio, the time series
    for title in charted:
        assert len(wb[title]._charts) == 1, title


def test_it_names_the_period_the_run_and_carries_the_notes_as_text(client_for, board_user, report):
    c = client_for(board_user)
    response = c.get(reverse("reports:export", args=[report.pk]))
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb.worksheets[0]
    meta = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2) for r in range(3, 10)}
    assert meta["Period"].value == "2025 H1"
    assert meta["Analysis run"].value == str(report.run.run_id)
    notes = meta["Board's notes"]
    assert notes.value.startswith("=HYPERLINK") and notes.data_type == "s"  # text, not a formula
    assert b"<f>" not in _sheet_xml(response.content)


def _sheet_xml(data):
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("xl/worksheets/sheet1.xml")


def test_the_time_series_sheet_matches_the_page(client_for, board_user, report):
    c = client_for(board_user)
    series = c.get(reverse("reports:detail", args=[report.pk])).context["content"].time_series[0]
    wb = _download(c, report)
    ws = next(wb[t] for t in wb.sheetnames if "over time" in (wb[t]["A1"].value or ""))
    assert [cell.value for cell in ws[4]][1:] == series.period_names
    got = [list(r[1:]) for r in ws.iter_rows(min_row=5, values_only=True)]
    assert got == [row.values for row in series.rows]


def test_rejected_counts_only_in_staff_exports(client_for, board_user, staff_user, rep_a):
    report = make_report("2025 H2", publish_by=board_user)
    for user, shown in ((staff_user, True), (board_user, False), (rep_a, False)):
        ws = _download(client_for(user), report).worksheets[0]
        header = [c.value for c in ws[STATISTICS_HEADER_ROW]]
        assert ("Rejected (out of range)" in header) is shown


def test_it_is_audited_and_closed_to_members_while_draft(client_for, board_user, rep_a, report):
    assert client_for(rep_a).get(reverse("reports:export", args=[report.pk])).status_code == 404
    _download(client_for(board_user), report)
    event = AuditEvent.objects.get(kind="export_downloaded")
    assert event.actor == board_user and event.detail == {"report": report.pk, "period": report.period_id,
                                                          "state": "draft"}
