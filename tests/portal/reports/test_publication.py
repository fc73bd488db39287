"""The small-cohort rule on the page, the board's notes, and publishing with a confirmation step."""

import pytest
from django.test import override_settings
from django.urls import reverse

from consortium.portal.accounts.models import AuditEvent
from consortium.portal.reports.actions import ReportError, do_publish, do_update_notes
from consortium.portal.reports.models import Report
from tests.portal.reports.test_pages import make_report


def _csrf(client, url):
    return client.get(url).cookies["csrftoken"].value


@pytest.mark.parametrize("k, published", [(7, True), (8, False)])
def test_it_publishes_with_k_values_and_not_with_k_minus_one(client_for, board_user, k, published):
    report = make_report()  # employees has 7 values
    with override_settings(PUBLICATION_MIN_VALUES=k):
        page = client_for(board_user).get(reverse("reports:detail", args=[report.pk]))
    employees = page.context["content"].indicators[0]
    assert employees.published is published
    assert (employees.summary is not None) is published
    assert ("employees" in page.context["my_value_data"]["indicators"]) is published
    html = page.content.decode()
    section = html[html.index('id="ind-employees"'):html.index('id="ind-export_share"')]
    assert ("Not enough values to publish" in section) is not published
    assert (">88<" in section) is published


def test_the_board_saves_notes(client_for, board_user):
    report = make_report()
    c = client_for(board_user, csrf=True)
    detail = reverse("reports:detail", args=[report.pk])
    token = _csrf(c, detail)
    response = c.post(reverse("reports:notes", args=[report.pk]),
                      {"notes": "Export grew.\nA good half-year.", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.notes == "Export grew.\nA good half-year."
    assert b"Export grew." in c.get(detail).content


def test_notes_need_the_csrf_token(client_for, board_user):
    report = make_report()
    c = client_for(board_user, csrf=True)
    assert c.post(reverse("reports:notes", args=[report.pk]), {"notes": "x"}).status_code == 403
    report.refresh_from_db()
    assert report.notes == ""


def test_others_cannot_write_notes_or_publish(client_for, rep_a, staff_user, board_user):
    report = make_report()
    for user in (rep_a, staff_user):
        c = client_for(user)
        assert c.post(reverse("reports:notes", args=[report.pk]), {"notes": "x"}).status_code in (403, 404)
        response = c.post(reverse("reports:publish", args=[report.pk]), {"confirm": "on"})
        assert response.status_code in (403, 404)
    published = make_report("2025 H2", publish_by=board_user)
    assert client_for(rep_a).post(reverse("reports:publish", args=[published.pk]),
                                  {"confirm": "on"}).status_code == 403
    report.refresh_from_db()
    assert report.notes == "" and report.state == Report.State.DRAFT
    with pytest.raises(ReportError):
        do_update_notes(report, rep_a, "x")
    with pytest.raises(ReportError):
        do_publish(report, staff_user)


def test_publishing_asks_for_confirmation_first(client_for, board_user):
    report = make_report()
    c = client_for(board_user, csrf=True)
    url = reverse("reports:publish", args=[report.pk])
    page = c.get(url)
    assert page.status_code == 200 and b"Publish the report for 2025 H1?" in page.content
    assert b"not published (not enough values)" in page.content  # added value: 3 values
    token = page.cookies["csrftoken"].value
    assert c.post(url, {"csrfmiddlewaretoken": token}).status_code == 200  # box not ticked: asked again
    report.refresh_from_db()
    assert report.state == Report.State.DRAFT
    assert c.post(url, {"confirm": "on"}).status_code == 403  # no CSRF token
    response = c.post(url, {"confirm": "on", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == Report.State.PUBLISHED and report.published_by == board_user
    assert report.published_at is not None
    event = AuditEvent.objects.get(kind="report_published")
    assert event.actor == board_user and event.detail["report"] == report.pk


def test_publishing_twice_publishes_once(client_for, board_user, rep_a):
    report = make_report()
    do_publish(report, board_user)
    with pytest.raises(ReportError):
        do_publish(report, board_user)
    assert AuditEvent.objects.filter(kind="report_published").count() == 1
    with pytest.raises(ReportError):
        do_update_notes(report, board_user, "too late")
    assert client_for(rep_a).get(reverse("reports:detail", args=[report.pk])).status_code == 200


def test_members_see_published_notes_but_no_board_controls(client_for, board_user, rep_a):
    report = make_report()
    do_update_notes(report, board_user, "<script>alert(1)</script> Strong year.")
    do_publish(report, board_user)
    html = client_for(rep_a).get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "Strong year." in html and "<script>alert(1)" not in html
    assert reverse("reports:publish", args=[report.pk]) not in html and "Save notes" not in html
