"""Staff delete a period's shares sooner, from its status page: a confirmation page, then a POST with CSRF;
the page then shows each miner's receipt (or what failed, and "Retry now")."""

import pytest
from django.urls import reverse
from django.utils import translation

from consortium.portal.accounts.models import AuditEvent
from consortium.portal.retention.models import MinerDeletion

from .conftest import published_period

pytestmark = pytest.mark.django_db


def delete_url(period):
    return reverse("retention:delete", args=[period.pk])


def status_url(period):
    return reverse("admin:periods_collectionperiod_status", args=[period.pk])


def csrf_of(page) -> str:
    return page.content.decode().split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]


@pytest.fixture
def staff(client_for, staff_user):
    return client_for(staff_user, csrf=True)


def confirm(staff, period):
    page = staff.get(delete_url(period))
    assert page.status_code == 200
    return staff.post(delete_url(period), {"confirm": "yes", "csrfmiddlewaretoken": csrf_of(page)})


def test_the_status_page_says_until_when_the_shares_are_kept_and_offers_to_delete_them_now(miners, period,
                                                                                          staff):
    page = staff.get(status_url(period)).content.decode()
    assert "The miners keep the period's shares until" in page and "(30 days later)" in page
    assert f'href="{delete_url(period)}"' in page
    assert not MinerDeletion.objects.exists() and miners.calls == []  # looking deletes nothing


def test_staff_confirm_and_every_miner_deletes(miners, period, staff, staff_user):
    confirmation = staff.get(delete_url(period))
    assert "Deletion is final" in confirmation.content.decode() and miners.calls == []
    response = confirm(staff, period)
    assert response.status_code == 302 and response["Location"] == status_url(period)
    assert sorted(miners.calls) == [(0, period.pk), (1, period.pk), (2, period.pk)]
    assert list(MinerDeletion.objects.values_list("state", flat=True)) == ["deleted"] * 3
    requested = AuditEvent.objects.get(kind=AuditEvent.Kind.SHARES_DELETION_REQUESTED)
    assert requested.actor == staff_user and requested.detail["reason"] == "staff"
    page = staff.get(status_url(period)).content.decode()
    assert "can no longer be analysed" in page and "Delete the shares now" not in page
    for n in (1, 2, 3):
        card = page.split(f'id="deletion-{n}"', 1)[1].split('<div class="miner"', 1)[0]
        assert "deleted" in card and "5 submissions" in card and "signed receipt verified" in card
    assert "Retry now" not in page


def test_a_post_without_csrf_or_without_the_confirmation_deletes_nothing(miners, period, staff, client_for,
                                                                          staff_user):
    assert staff.post(delete_url(period), {"confirm": "yes"}).status_code == 403  # no CSRF token
    page = staff.get(delete_url(period))
    staff.post(delete_url(period), {"csrfmiddlewaretoken": csrf_of(page)})  # no confirm=yes
    assert not MinerDeletion.objects.exists() and miners.calls == []
    assert client_for(staff_user).post(delete_url(period), {"confirm": "yes"}).status_code == 302  # it works


@pytest.mark.parametrize("who", ["rep_a", "board_user"])
def test_only_staff_may_delete(miners, period, client_for, request, who):
    client = client_for(request.getfixturevalue(who))
    assert client.get(delete_url(period)).status_code == 403
    assert client.post(delete_url(period), {"confirm": "yes"}).status_code == 403
    assert not MinerDeletion.objects.exists() and miners.calls == []


def test_a_period_without_a_published_report_keeps_its_shares(miners, staff, board_user):
    draft = published_period(board_user, "2024 H2")
    draft.reports.update(state="draft", published_at=None)
    response = confirm(staff, draft)
    assert response.status_code == 302
    assert not MinerDeletion.objects.exists() and miners.calls == []
    page = staff.get(status_url(draft)).content.decode()
    assert "has no published report" in page  # the message, on the status page
    assert "until its report has been published" in page and delete_url(draft) not in page


def test_a_miner_that_failed_is_shown_and_retried_from_the_page(miners, period, staff):
    miners.down.add(0)
    miners.forging.add(2)
    confirm(staff, period)
    page = staff.get(status_url(period)).content.decode()
    first = page.split('id="deletion-1"', 1)[1].split('<div class="miner"', 1)[0]
    third = page.split('id="deletion-3"', 1)[1].split("</form>", 1)[0]
    assert "not confirmed" in first and "connection refused" in first and "1 attempt" in first
    assert "does not verify with the key the portal has for this miner" in third
    assert "Retry now" in page
    miners.down.clear()
    miners.forging.clear()
    miners.forget(2, period.pk)
    retried = staff.post(delete_url(period), {"confirm": "yes", "csrfmiddlewaretoken": csrf_of(
        staff.get(status_url(period)))})
    assert retried.status_code == 302
    assert list(MinerDeletion.objects.order_by("miner").values_list("state", flat=True)) == ["deleted"] * 3
    assert "Retry now" not in staff.get(status_url(period)).content.decode()


def test_the_page_speaks_estonian_to_staff_who_chose_it(miners, period, staff, staff_user):
    staff_user.language = "et"
    staff_user.save(update_fields=["language"])
    miners.down.add(1)
    confirm(staff, period)
    try:
        page = staff.get(status_url(period)).content.decode()
    finally:
        translation.activate("en")  # the request left Estonian active in this thread
    assert "Osakud arvutussõlmedes" in page and "allkirjastatud kviitung kontrollitud" in page
    assert "kinnitamata" in page and "Proovi kohe uuesti" in page
    assert "Shares at the miners" not in page and "signed receipt verified" not in page
