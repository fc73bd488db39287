"""Roles: who reaches admin, the role decorators, and each role's home page (own company only)."""

import datetime

import pytest
from django.db import IntegrityError
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from consortium.portal.accounts.actions import do_create_user
from consortium.portal.accounts.models import AuditEvent, Role, User
from consortium.portal.accounts.permissions import board_required, representative_required, staff_required
from consortium.portal.periods.models import CollectionPeriod
from consortium.portal.submissions.actions import do_issue_token
from consortium.portal.submissions.models import Submission
from tests.portal.conftest import PASSWORD

pytestmark = pytest.mark.django_db

HOME, ADMIN = reverse("overview:home"), reverse("admin:index")


# --- is_staff follows the role, and only the staff role ---------------------------------

def test_it_gives_is_staff_to_the_staff_role_only(rep_a, staff_user, board_user):
    assert [u.is_staff for u in (rep_a, staff_user, board_user)] == [False, True, False]


def test_it_ignores_is_staff_or_superuser_set_on_another_role(company_a):
    user = do_create_user("sneaky", PASSWORD, Role.BOARD, is_staff=True, is_superuser=True)
    user.refresh_from_db()
    assert not user.is_staff and not user.is_superuser


def test_it_moves_is_staff_with_the_role(rep_a, staff_user):
    staff_user.role = Role.BOARD
    staff_user.save()
    assert not User.objects.get(pk=staff_user.pk).is_staff


def test_it_refuses_is_staff_without_the_staff_role_in_the_database(rep_a):
    with pytest.raises(IntegrityError):
        User.objects.filter(pk=rep_a.pk).update(is_staff=True)


def test_createsuperuser_makes_a_staff_member():
    user = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    assert user.role == Role.STAFF and user.is_staff


# --- admin: verified staff only ----------------------------------------------------------

@pytest.mark.parametrize("persona", ["rep_a", "board_user"])
def test_it_keeps_everyone_but_staff_out_of_admin(request, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    response = client.get(ADMIN, follow=True)
    assert response.status_code == 403
    assert client.get("/admin/accounts/user/", follow=True).status_code == 403
    assert "not available to you" in response.content.decode()


def test_it_lets_verified_staff_into_admin(client_for, staff_user):
    page = client_for(staff_user).get(ADMIN)
    assert page.status_code == 200
    for model in ("/admin/accounts/user/", "/admin/accounts/company/", "/admin/accounts/auditevent/"):
        assert model in page.content.decode()


def test_it_sends_anonymous_admin_visitors_to_the_portal_login(client):
    response = client.get(ADMIN, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))


def test_it_keeps_the_audit_log_read_only(client_for, staff_user, rep_a):
    client = client_for(staff_user)
    event = AuditEvent.objects.create(kind=AuditEvent.Kind.LOGIN, actor=rep_a)
    assert client.get("/admin/accounts/auditevent/").status_code == 200
    assert client.get("/admin/accounts/auditevent/add/").status_code == 403
    url = f"/admin/accounts/auditevent/{event.pk}/"
    assert client.post(url + "change/", {"kind": "logout"}).status_code == 403
    assert client.post(url + "delete/", {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.kind == AuditEvent.Kind.LOGIN


def test_it_sets_is_staff_from_the_role_chosen_in_admin(client_for, staff_user, rep_a):
    client = client_for(staff_user)
    data = {"username": "rep_a", "role": Role.STAFF, "company": "", "is_active": "on",
            "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00", "language": ""}
    response = client.post(f"/admin/accounts/user/{rep_a.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert User.objects.get(pk=rep_a.pk).is_staff


# --- decorators ----------------------------------------------------------------------------

def _request(user, verified=True):
    request = RequestFactory().get("/x")
    request.user = user
    user.is_verified = lambda: verified
    request.session = {}
    return request


@pytest.mark.parametrize(("decorator", "allowed"), [(representative_required, "rep_a"),
                                                    (staff_required, "staff_user"),
                                                    (board_required, "board_user")])
def test_each_decorator_admits_its_role_only(request, decorator, allowed):
    view = decorator(lambda request: HttpResponse("ok"))
    for persona in ("rep_a", "staff_user", "board_user"):
        response = view(_request(request.getfixturevalue(persona)))
        assert response.status_code == (200 if persona == allowed else 403), persona


def test_a_decorator_sends_anonymous_to_login():
    from django.contrib.auth.models import AnonymousUser

    response = staff_required(lambda request: HttpResponse("ok"))(_request(AnonymousUser()))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_a_decorator_sends_unverified_staff_to_the_second_factor(staff_user):
    response = staff_required(lambda request: HttpResponse("ok"))(_request(staff_user, verified=False))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:otp_verify")


# --- home page per role -----------------------------------------------------------------------

@pytest.fixture
def open_period(db):
    return CollectionPeriod.objects.create(name="2026 H1", kind="semi_annual", state="open",
                                           starts_on=datetime.date(2026, 1, 1),
                                           ends_on=datetime.date(2026, 6, 30))


def submit(user, period):
    _token, _access, submission = do_issue_token(user, period)
    Submission.objects.filter(pk=submission.pk).update(state="complete", completed_at=timezone.now())


def test_a_representative_sees_their_own_company_status_only(client_for, rep_a, rep_b, open_period):
    submit(rep_b, open_period)
    page = client_for(rep_a).get(HOME).content.decode()
    assert "2026 H1" in page and "Not submitted yet" in page
    assert "Beta Puit" not in page and ">Submitted<" not in page
    page_b = client_for(rep_b).get(HOME).content.decode()
    assert ">Submitted<" in page_b and "Alpha Metall" not in page_b


def test_a_representative_gets_a_link_to_the_form(client_for, rep_a, open_period):
    page = client_for(rep_a).get(HOME).content.decode()
    assert reverse("submissions:form", kwargs={"period_id": open_period.pk}) in page


def test_a_representative_is_told_when_no_period_is_open(client_for, rep_a):
    assert "No collection period is open" in client_for(rep_a).get(HOME).content.decode()


def test_staff_see_counts_and_their_links(client_for, staff_user, rep_a, rep_b, open_period):
    submit(rep_b, open_period)
    page = client_for(staff_user).get(HOME).content.decode()
    assert "1 / 2" in page
    assert reverse("runs:list") in page and reverse("admin:periods_collectionperiod_changelist") in page


def test_board_see_the_draft_reports_link_and_no_staff_links(client_for, board_user):
    page = client_for(board_user).get(HOME).content.decode()
    assert "Review draft reports" in page
    assert "/admin/" not in page and reverse("runs:list") not in page
