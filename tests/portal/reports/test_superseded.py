"""A period analysed again and published again has one current report; the older one is kept, marked
superseded by the newer one, on its page and in the list, and the replacement is in the audit log."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from consortium.portal.accounts.models import AuditEvent
from consortium.portal.reports.actions import do_create_report, do_publish
from consortium.portal.reports.models import Report
from consortium.portal.runs.models import AnalysisRun
from tests.portal.reports.test_pages import make_report


def analyse_again(report) -> Report:
    first = report.run
    run = AnalysisRun.objects.create(period=report.period, state="done", results=first.results,
                                     request=first.request)
    return do_create_report(run)


def test_it_marks_the_older_report_superseded_when_a_newer_one_is_published(board_user):
    first = make_report(publish_by=board_user)
    second = do_publish(analyse_again(first), board_user)
    first.refresh_from_db()
    assert first.is_published and first.is_superseded
    assert first.superseded_by == second and first.superseded_at == second.published_at
    assert not second.is_superseded
    current = Report.objects.filter(period=first.period, state="published", superseded_by=None)
    assert list(current) == [second]
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.REPORT_SUPERSEDED)
    assert event.actor == board_user
    assert event.detail == {"report": first.pk, "period": first.period_id, "superseded_by": second.pk}


def test_the_database_refuses_two_current_reports_for_one_period(board_user):
    first = make_report(publish_by=board_user)
    second = analyse_again(first)
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.filter(pk=second.pk).update(state="published")


def test_the_pages_say_which_report_replaced_the_older_one(client_for, rep_a, board_user):
    first = make_report(publish_by=board_user)
    second = do_publish(analyse_again(first), board_user)
    client = client_for(rep_a)
    old_page = client.get(reverse("reports:detail", args=[first.pk])).content.decode()
    assert "Superseded by a newer report" in old_page
    assert f'href="{reverse("reports:detail", args=[second.pk])}"' in old_page
    assert "Superseded by a newer report" not in client.get(
        reverse("reports:detail", args=[second.pk])).content.decode()
    listing = client.get(reverse("reports:list")).content.decode()
    assert listing.count(">superseded<") == 1 and listing.count(">published<") == 1
