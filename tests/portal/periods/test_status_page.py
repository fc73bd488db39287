"""The period's status page: per company, submitted (when, by whom) or not, and the counts. Never a figure."""

import datetime
import hashlib
import secrets

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consortium.portal.accounts.models import Company, User
from consortium.portal.minerlink import client as miner_client
from consortium.portal.periods import actions
from consortium.portal.submissions.models import AccessToken, Submission
from tests.portal.factories import miners_setting

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_miners(settings):
    settings.MINERS = miners_setting(urls=False, secrets=[None] * 3)


@pytest.fixture
def staff(client_for, staff_user):
    return client_for(staff_user, csrf=True)


def make_period(name, staff_user):
    period = actions.do_create_period(name, "semi_annual", datetime.date(2026, 1, 1),
                                      datetime.date(2026, 6, 30), staff_user)
    return actions.do_open_period(period, staff_user)


def submit(company, period, state=Submission.State.COMPLETE, at=None):
    rep = company.representatives.first() or User.objects.create_user(
        f"rep-{company.registry_code}", role="representative", company=company)
    token = AccessToken.objects.create(
        token_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(), user=rep, company=company,
        period=period, expires_at=timezone.now() + datetime.timedelta(hours=2))
    complete = state == Submission.State.COMPLETE
    return Submission.objects.create(token=token, user=rep, company=company, period=period, state=state,
                                     completed_at=(at or timezone.now()) if complete else None)


def status_url(period):
    return reverse("admin:periods_collectionperiod_status", args=[period.pk])


def rows(page):
    """company name -> its table row (HTML), from the status page."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return {row.split("<td>", 1)[1].split("<", 1)[0].strip(): row for row in body.split("<tr>")[1:]}


def test_it_shows_who_submitted_and_who_did_not_with_the_counts(staff, staff_user):
    period = make_period("2026 H1", staff_user)
    acme, beta = (Company.objects.create(name=n, registry_code=c) for n, c in [("Acme", "1"), ("Beta", "2")])
    Company.objects.create(name="Gamma", registry_code="3")
    submit(acme, period, at=timezone.now() - datetime.timedelta(days=2))
    submit(acme, period)  # a correction: still one company
    submit(beta, period, state=Submission.State.FAILED)
    page = staff.get(status_url(period)).content.decode()
    assert "<strong>1</strong> of 3 active companies have submitted." in page
    table = rows(page)
    assert set(table) == {"Acme", "Beta", "Gamma"}
    assert ">submitted<" in table["Acme"] and "rep-1" in table["Acme"]
    assert ">not submitted<" in table["Beta"] and ">not submitted<" in table["Gamma"]


def test_it_counts_only_this_periods_complete_submissions(staff, staff_user):
    this, other = make_period("2026 H1", staff_user), make_period("2025 H2", staff_user)
    acme = Company.objects.create(name="Acme", registry_code="1")
    submit(acme, other)
    submit(acme, this, state=Submission.State.PENDING)
    page = staff.get(status_url(this)).content.decode()
    assert "<strong>0</strong> of 1 active companies" in page
    assert ">not submitted<" in rows(page)["Acme"]


def test_it_lists_a_former_member_that_submitted_but_not_one_that_did_not(staff, staff_user):
    period = make_period("2026 H1", staff_user)
    left = Company.objects.create(name="Left after submitting", registry_code="1")
    Company.objects.create(name="Left long ago", registry_code="2", active=False)
    submit(left, period)
    left.active = False
    left.save()
    page = staff.get(status_url(period)).content.decode()
    assert set(rows(page)) == {"Left after submitting"} and "no longer active" in page


def test_the_changelist_counts_companies_not_attempts(staff, staff_user):
    period = make_period("2026 H1", staff_user)
    acme = Company.objects.create(name="Acme", registry_code="1")
    Company.objects.create(name="Beta", registry_code="2")
    submit(acme, period)
    submit(acme, period)
    page = staff.get("/admin/periods/collectionperiod/").content.decode()
    assert '<td class="field-submitted_column">1 of 2</td>' in page


def test_it_says_so_when_there_are_no_companies(staff, staff_user):
    page = staff.get(status_url(make_period("2026 H1", staff_user))).content.decode()
    assert "There are no active member companies yet." in page


def test_it_shows_each_miners_health(staff, staff_user, monkeypatch):
    answers = [{"status": "ok", "peers": {"1": "ok", "2": "ok"}, "version": "1"},
               {"status": "down", "error": "connection refused"},
               {"status": "not_configured", "error": "not configured"}]
    monkeypatch.setattr(miner_client, "health", lambda i: answers[i])
    page = staff.get(status_url(make_period("2026 H1", staff_user))).content.decode()
    miner = {i: page.split(f'id="miner-{i}"', 1)[1].split("</div>\n", 1)[0] for i in range(3)}
    assert 'class="period-badge ok">ok<' in miner[0]
    assert 'class="period-badge bad">down<' in miner[1] and "connection refused" in miner[1]
    assert "not configured" in miner[2] and "period-badge bad" not in miner[2]


def test_it_is_for_staff_only(client_for, staff_user, rep_a, board_user):
    period = make_period("2026 H1", staff_user)
    for user in [rep_a, board_user]:
        response = client_for(user).get(status_url(period))
        assert response.status_code in (302, 403)
        assert response.status_code == 403 or "/admin/login/" in response["Location"]
    response = Client().get(status_url(period))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
