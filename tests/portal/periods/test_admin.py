"""The collection period admin: staff only, creation, indicators read-only once open, Open/Close confirmed."""

import datetime

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from consortium.portal.accounts.models import AuditEvent, Company, User
from consortium.portal.overview.admin import is_consortium_staff
from consortium.portal.periods import actions, admin_actions
from consortium.portal.periods.models import CollectionPeriod

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/periods/collectionperiod/"
ADD = CHANGELIST + "add/"


@pytest.fixture
def staff(client_for, staff_user):
    return client_for(staff_user, csrf=True)


@pytest.fixture
def period(staff_user):
    return actions.do_create_period("2026 H1", "semi_annual", datetime.date(2026, 1, 1),
                                    datetime.date(2026, 6, 30), staff_user)


def change_url(period):
    return reverse("admin:periods_collectionperiod_change", args=[period.pk])


def csrf_post(client, url, data):
    """POST as a browser would: with the token from the cookie the last page set."""
    if "csrftoken" not in client.cookies:
        client.get(CHANGELIST)
    return client.post(url, {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})


def period_events():
    return list(AuditEvent.objects.filter(kind__startswith="period_"))


def form_data(response):
    """The POST body of the admin change form as rendered (main form, inline management and rows)."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value
    return data


# --- who gets in ---

@pytest.mark.parametrize("url", [CHANGELIST, ADD])
def test_it_sends_anonymous_visitors_to_the_admin_login(url):
    response = Client().get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_it_keeps_representatives_out(client_for, rep_a):
    response = client_for(rep_a).get(CHANGELIST)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_it_keeps_board_members_out(client_for, board_user, period):
    client = client_for(board_user)
    status = reverse("admin:periods_collectionperiod_status", args=[period.pk])
    for url in [CHANGELIST, change_url(period), status]:
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_only_the_staff_role_passes_even_if_the_admin_flag_were_set():
    board = User(username="board", role="board", is_staff=True, is_active=True)
    staff = User(username="staff", role="staff", is_staff=True, is_active=True)
    assert not is_consortium_staff(board) and is_consortium_staff(staff)


def test_it_refuses_an_action_without_the_csrf_token(staff, period):
    response = staff.post(CHANGELIST, {"action": "open_periods", "_selected_action": [period.pk],
                                       "confirm": "yes"})
    assert response.status_code == 403
    period.refresh_from_db()
    assert period.state == CollectionPeriod.State.DRAFT


# --- the changelist and creation ---

def test_it_lists_state_dates_and_submission_counts(staff, period):
    Company.objects.create(name="Acme", registry_code="1")
    Company.objects.create(name="Gone", registry_code="2", active=False)
    page = staff.get(CHANGELIST).content.decode()
    assert "2026 H1" in page and "semi-annual" in page and "draft" in page
    assert '<td class="field-submitted_column">0 of 1</td>' in page  # none submitted, of one active


def test_it_creates_a_period_with_the_indicators_of_its_kind(staff):
    response = csrf_post(staff, ADD, {"name": "2026", "kind": "annual",
                                      "starts_on": "2026-01-01", "ends_on": "2026-12-31"})
    period = CollectionPeriod.objects.get()
    assert response.status_code == 302 and response["Location"] == change_url(period)
    assert period.state == CollectionPeriod.State.DRAFT
    assert period.indicators.count() == 7


def test_it_refuses_a_period_ending_before_it_starts(staff):
    response = csrf_post(staff, ADD, {"name": "x", "kind": "annual",
                                      "starts_on": "2026-12-31", "ends_on": "2026-01-01"})
    assert response.status_code == 200 and "cannot end before it starts" in response.content.decode()
    assert not CollectionPeriod.objects.exists()


# --- indicators: editable while draft, read-only once open ---

def test_it_lets_staff_tighten_an_indicator_while_draft(staff, period):
    data = form_data(staff.get(change_url(period)))
    data["indicators-1-hi"] = "5000"  # employees
    data["indicators-1-unit"] = "people"
    response = csrf_post(staff, change_url(period), data)
    assert response.status_code == 302
    employees = period.indicators.get(code="employees")
    assert (employees.hi, employees.unit) == (5000, "people")


def test_it_refuses_an_empty_range_or_a_scaled_integer(staff, period):
    data = form_data(staff.get(change_url(period)))
    data["indicators-1-lo"], data["indicators-1-hi"] = "10", "5"
    data["indicators-0-scale"] = "2"  # total_return is an integer
    page = csrf_post(staff, change_url(period), data).content.decode()
    assert "highest allowed value is below the lowest" in page
    assert "integer indicator has no decimal places" in page
    assert period.indicators.get(code="employees").lo == 0


def test_it_shows_indicators_read_only_once_open(staff, staff_user, period):
    data = form_data(staff.get(change_url(period)))
    actions.do_open_period(period, staff_user)
    page = staff.get(change_url(period)).content.decode()
    assert "Total return" in page and "read-only" in page
    assert 'name="indicators-0-hi"' not in page and 'name="name"' not in page
    data["indicators-0-hi"] = "1"
    assert csrf_post(staff, change_url(period), data).status_code == 403
    assert period.indicators.get(code="total_return").hi == 10**12


# --- Open and Close: a confirmation page, then the transition and its audit row ---

def test_it_asks_before_opening_then_opens_and_audits(staff, staff_user, period):
    body = {"action": "open_periods", "_selected_action": [period.pk], "index": 0}
    response = csrf_post(staff, CHANGELIST, body)
    assert response.status_code == 200
    assert "admin/periods/confirm_action.html" in [t.name for t in response.templates]
    assert "Open these periods for submissions?" in response.content.decode()
    period.refresh_from_db()
    assert period.state == CollectionPeriod.State.DRAFT and not period_events()

    response = csrf_post(staff, CHANGELIST, {"action": "open_periods", "_selected_action": [period.pk],
                                             "confirm": "yes"})
    assert response.status_code == 302
    period.refresh_from_db()
    assert period.state == CollectionPeriod.State.OPEN
    [event] = period_events()
    assert (event.kind, event.actor, event.ip) == (AuditEvent.Kind.PERIOD_OPENED, staff_user, "127.0.0.1")


def test_it_asks_before_closing_then_closes_and_audits(staff, staff_user, period):
    actions.do_open_period(period, staff_user)
    body = {"action": "close_periods", "_selected_action": [period.pk], "index": 0}
    assert "Close these periods?" in csrf_post(staff, CHANGELIST, body).content.decode()
    period.refresh_from_db()
    assert period.state == CollectionPeriod.State.OPEN
    csrf_post(staff, CHANGELIST, {"action": "close_periods", "_selected_action": [period.pk],
                                  "confirm": "yes"})
    period.refresh_from_db()
    assert period.state == CollectionPeriod.State.CLOSED
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.PERIOD_CLOSED, actor=staff_user).count() == 1


def test_it_explains_a_refused_transition(staff, period):
    response = csrf_post(staff, CHANGELIST, {"action": "close_periods", "_selected_action": [period.pk],
                                             "confirm": "yes"})
    page = staff.get(response["Location"]).content.decode()
    assert "only an open period can be closed" in page
    period.refresh_from_db()
    assert period.state == CollectionPeriod.State.DRAFT and not period_events()


def test_it_offers_actions_other_apps_register_and_no_bulk_delete(staff, period, monkeypatch):
    @admin.action(description="Start analysis", permissions=["transition"])
    def start_analysis(modeladmin, request, queryset):
        return None

    monkeypatch.setattr(admin_actions, "EXTRA_ACTIONS", [start_analysis])
    page = staff.get(CHANGELIST).content.decode()
    assert 'value="start_analysis"' in page and 'value="open_periods"' in page
    assert 'value="delete_selected"' not in page
