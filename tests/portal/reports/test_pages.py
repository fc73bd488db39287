"""Report pages: who sees what, the sections, suppression, the charts, the my-value box."""

import re
import uuid

import pytest
from django.urls import reverse

from consortium.portal.periods.models import CollectionPeriod, IndicatorDefinition
from consortium.portal.reports.actions import do_create_report, do_publish
from consortium.portal.runs.models import AnalysisRun

EMPLOYEES = [3, 7, 12, 12, 25, 40, 88]
EXPORT = [0, 125, 333, 500, 750, 1000]  # per mille: 0.0 .. 100.0 %
ADDED = [-5000, 120000, 250000]  # 3 values: below k = 5


def make_report(period_name="2025 H1", publish_by=None, k_rows=6):
    period = CollectionPeriod.objects.create(name=period_name, kind="semi_annual", state="closed",
                                             starts_on="2025-01-01", ends_on="2025-06-30")
    IndicatorDefinition.objects.create(period=period, code="employees", name="Number of employees",
                                       lo=0, hi=10**6, position=1)
    IndicatorDefinition.objects.create(period=period, code="export_share", name="Percentage of export",
                                       unit="%", encoding="fixed", scale=1, lo=0, hi=1000, position=2)
    IndicatorDefinition.objects.create(period=period, code="added_value", name="Added value", unit="EUR",
                                       lo=-10**12, hi=10**12, position=3)
    older = [CollectionPeriod.objects.get_or_create(
        name=f"202{i} H1", defaults=dict(kind="semi_annual", state="closed", starts_on=f"202{i}-01-01",
                                         ends_on=f"202{i}-06-30"))[0]
             for i in (3, 4)]
    results = {
        "ring": 64,
        "indicators": {
            "employees": {"values": EMPLOYEES, "count": len(EMPLOYEES), "rejected": 2},
            "export_share": {"values": EXPORT, "count": len(EXPORT), "rejected": 0},
            "added_value": {"values": ADDED, "count": len(ADDED), "rejected": 1},
        },
        "ratios": {"added_value_per_employee": {"values": [-512, 1024, 2048, 4096, 8192], "count": 5,
                                                "rejected": 0, "frac_bits": 10}},
        "time_series": {"employees": {
            "periods": [older[0].pk, older[1].pk, period.pk],
            "rows": [[2, None, 10, 11, 30, 41][:k_rows], [3, 6, 11, 12, 28, 40][:k_rows],
                     [3, 7, 12, 12, 25, 40][:k_rows]],
            "count": k_rows, "rejected": [0, 1, 0]}},
    }
    run = AnalysisRun.objects.create(period=period, state="done", results=results, request={
        "analyses": [{"kind": "ratio", "name": "added_value_per_employee", "numerator": "added_value",
                      "denominator": "employees"}]})
    report = do_create_report(run)
    if publish_by is not None:
        report = do_publish(report, publish_by)
    return report


@pytest.fixture
def draft(db):
    return make_report()


@pytest.fixture
def published(board_user):
    return make_report("2025 H2", publish_by=board_user)


def test_it_redirects_anonymous_to_login(client, draft):
    for url in (reverse("reports:list"), reverse("reports:detail", args=[draft.pk]),
                reverse("reports:export", args=[draft.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_it_hides_drafts_from_representatives(client_for, rep_a, draft, published):
    c = client_for(rep_a)
    listing = c.get(reverse("reports:list")).content.decode()
    assert "2025 H2" in listing and "2025 H1" not in listing
    assert c.get(reverse("reports:detail", args=[draft.pk])).status_code == 404
    assert c.get(reverse("reports:export", args=[draft.pk])).status_code == 404
    assert c.get(reverse("reports:detail", args=[published.pk])).status_code == 200


def test_it_shows_drafts_to_the_board(client_for, board_user, draft):
    c = client_for(board_user)
    assert "2025 H1" in c.get(reverse("reports:list")).content.decode()
    page = c.get(reverse("reports:detail", args=[draft.pk]))
    assert page.status_code == 200
    assert b"Draft: visible to board members only" in page.content
    assert reverse("reports:publish", args=[draft.pk]).encode() in page.content


def test_it_lists_drafts_to_staff_with_states_but_does_not_open_them(client_for, staff_user, draft):
    c = client_for(staff_user)
    listing = c.get(reverse("reports:list")).content.decode()
    assert "2025 H1" in listing and "draft" in listing and "awaiting the board" in listing
    assert c.get(reverse("reports:detail", args=[draft.pk])).status_code == 404


def test_it_shows_rejected_counts_to_staff_only(client_for, staff_user, rep_a, board_user, published):
    url = reverse("reports:detail", args=[published.pk])
    assert b"2 values were rejected by range validation" in client_for(staff_user).get(url).content
    for user in (rep_a, board_user):
        page = client_for(user).get(url).content
        assert b"rejected" not in page
    assert client_for(staff_user).get(reverse("reports:list")).context["reports"][0].rejected_total == 3


def test_it_shows_statistics_chart_and_sorted_values(client_for, rep_a, published):
    page = client_for(rep_a).get(reverse("reports:detail", args=[published.pk]))
    html = page.content.decode()
    employees = page.context["content"].indicators[0]
    assert employees.code == "employees" and employees.summary.median == 12
    section = html[html.index('id="ind-employees"'):html.index('id="ind-export_share"')]
    assert section.count("<circle") == 2 * len(EMPLOYEES)  # one dot per value in each drawing (wide, narrow)
    assert "<svg" in section and "<rect" in section
    assert re.search(r"<details>.*88.*</details>", section, re.S)
    export = page.context["content"].indicators[1]
    assert export.values == [0.0, 12.5, 33.3, 50.0, 75.0, 100.0]  # fixed-point decoded, scale 1
    # no script, stylesheet or font from elsewhere (a random CSRF token may well contain "cdn")
    assert not re.search(r"""<(script|link|img)\b[^>]*\b(src|href)=["'](https?:)?//""", html, re.I)


def test_it_says_not_enough_values_without_the_values(client_for, rep_a, published):
    page = client_for(rep_a).get(reverse("reports:detail", args=[published.pk]))
    html = page.content.decode()
    section = html[html.index('id="ind-added_value"'):]
    section = section[:section.index("</section>")]
    assert "Not enough values to publish" in section
    assert "250" not in section and "120" not in section and "<svg" not in section
    assert "added_value" not in page.context["my_value_data"]["indicators"]
    assert "250000" not in html


def test_it_shows_the_composite_indicator_decoded(client_for, rep_a, published):
    page = client_for(rep_a).get(reverse("reports:detail", args=[published.pk]))
    ratio = page.context["content"].ratios[0]
    assert ratio.name == "Added value per employee" and ratio.unit == "EUR"
    assert ratio.values == [-0.5, 1.0, 2.0, 4.0, 8.0]  # 2**-10 units
    assert b"Composite indicator" in page.content


def test_it_shows_the_time_series_in_company_rows(client_for, rep_a, published):
    page = client_for(rep_a).get(reverse("reports:detail", args=[published.pk]))
    series = page.context["content"].time_series[0]
    assert series.period_names == ["2023 H1", "2024 H1", "2025 H2"]
    # ordered by the latest period; the line with no value in 2023 H1 is the only one with that presence
    # pattern, so it would tell the portal whose it is: it keeps only its latest value. Without it, the
    # 2024 H1 row would differ from that period's own report by one value: that row is blank.
    assert [r.values[-1] for r in series.rows] == [3, 7, 12, 12, 25, 40]
    assert series.rows[0].values == [2, None, 3] and series.rows[1].values == [None, None, 7]
    assert series.suppressed_periods == ["2024 H1"]
    assert b"<circle" in page.content  # lone points: the middle period is blank


def test_it_suppresses_a_small_time_series(client_for, rep_a, board_user):
    report = make_report("2026 H1", publish_by=board_user, k_rows=4)
    page = client_for(rep_a).get(reverse("reports:detail", args=[report.pk]))
    series = page.context["content"].time_series[0]
    assert not series.published and series.rows == []


def test_it_suppresses_a_time_series_whose_latest_period_is_small(client_for, rep_a, board_user):
    report = make_report("2026 H1", publish_by=board_user)
    results = report.run.results
    results["time_series"]["employees"]["rows"][-1][:3] = [None, None, None]  # 3 of 6 present, k = 5
    report.run.save()
    page = client_for(rep_a).get(reverse("reports:detail", args=[report.pk]))
    series = page.context["content"].time_series[0]
    assert not series.published and series.rows == []


def test_the_my_value_box_is_in_no_form_and_has_no_name(client_for, rep_a, published):
    html = client_for(rep_a).get(reverse("reports:detail", args=[published.pk])).content.decode()
    boxes = re.findall(r'<div class="report-myvalue".*?</div>', html, re.S)
    assert len(boxes) == 3  # employees, export share, the ratio (added value suppressed)
    for box in boxes:
        assert "<form" not in box and "name=" not in box
        start = html.index(box)
        assert html.rfind("<form", 0, start) <= html.rfind("</form>", 0, start)  # not inside an open form
    assert 'id="report-data"' in html and "js/report.js" in html


def test_the_my_value_script_makes_no_request():
    from django.conf import settings

    source = (settings.BASE_DIR / "static" / "js" / "report.js").read_text()
    for word in ("fetch", "XMLHttpRequest", "sendBeacon", "WebSocket", "EventSource", ".submit", "Image("):
        assert word not in source


def test_it_returns_404_for_an_unknown_report(client_for, board_user, db):
    assert client_for(board_user).get(reverse("reports:detail", args=[999])).status_code == 404


def test_do_create_report_is_idempotent_and_needs_a_finished_run(db):
    report = make_report()
    assert do_create_report(report.run) == report
    from consortium.portal.reports.actions import ReportError

    running = AnalysisRun.objects.create(period=report.period, state="running", run_id=uuid.uuid4())
    with pytest.raises(ReportError):
        do_create_report(running)
