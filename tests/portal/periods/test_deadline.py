"""A period's submission deadline: staff set it when they create the period; members see it on their home
page and on the form (or that none has been set)."""

import datetime

import pytest

from consortium.portal.periods.models import CollectionPeriod
from tests.portal.factories import miners_setting, open_period
from tests.portal.periods.test_admin import ADD, csrf_post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def miners(settings):
    settings.MINERS = miners_setting()


def test_staff_set_the_deadline_when_they_create_a_period(client_for, staff_user):
    response = csrf_post(client_for(staff_user, csrf=True), ADD, {
        "name": "2026 H1", "kind": "semi_annual", "starts_on": "2026-01-01", "ends_on": "2026-06-30",
        "deadline": "2026-07-31"})
    assert response.status_code == 302
    assert CollectionPeriod.objects.get().deadline == datetime.date(2026, 7, 31)


def test_a_deadline_before_the_period_starts_is_refused(client_for, staff_user):
    response = csrf_post(client_for(staff_user, csrf=True), ADD, {
        "name": "2026 H1", "kind": "semi_annual", "starts_on": "2026-01-01", "ends_on": "2026-06-30",
        "deadline": "2025-12-31"})
    assert response.status_code == 200 and "The deadline cannot be before the period starts." in (
        response.content.decode())
    assert not CollectionPeriod.objects.exists()


def test_members_see_the_deadline_on_their_home_page_the_form_and_their_history(client_for, rep_a):
    period = open_period()
    CollectionPeriod.objects.filter(pk=period.pk).update(deadline=datetime.date(2026, 7, 31))
    client = client_for(rep_a)
    for page in (client.get("/"), client.get(f"/submissions/form/{period.pk}/"),
                 client.post(f"/submissions/form/{period.pk}/"), client.get("/submissions/")):
        assert "Deadline: please submit by 31 July 2026." in page.content.decode()


def test_without_a_deadline_members_are_told_there_is_none(client_for, rep_a):
    period = open_period()
    for page in (client_for(rep_a).get("/"), client_for(rep_a).get(f"/submissions/form/{period.pk}/")):
        assert "No deadline has been set: the period is open until the consortium closes it." in (
            page.content.decode())
