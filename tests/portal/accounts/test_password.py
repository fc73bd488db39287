"""Staff reset a password (a temporary one, shown once, changed at the next login); users change their own."""

import re

import pytest
from django.urls import reverse

from consortium.portal.accounts.models import AuditEvent, User
from tests.portal.conftest import PASSWORD

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/accounts/user/"
CHANGE_PASSWORD = reverse("accounts:password_change")
NEW_PASSWORD = "a-brand-new-passphrase-42"  # noqa: S105


def reset(client, user):
    """The admin action: a confirmation page, then the temporary password."""
    body = {"action": "reset_password", "_selected_action": [user.pk]}
    confirm = client.post(CHANGELIST, body)
    assert confirm.status_code == 200 and "Yes, reset" in confirm.content.decode()
    done = client.post(CHANGELIST, {**body, "confirm": "yes"})
    assert done.status_code == 200
    return done, re.search(r"<td><code>([^<]+)</code></td>", done.content.decode()).group(1)


def test_it_asks_before_resetting(client_for, staff_user, rep_a):
    client_for(staff_user).post(CHANGELIST, {"action": "reset_password", "_selected_action": [rep_a.pk]})
    assert User.objects.get(pk=rep_a.pk).check_password(PASSWORD)


def test_it_shows_a_temporary_password_once_and_never_caches_it(client_for, staff_user, rep_a):
    done, temporary = reset(client_for(staff_user), rep_a)
    assert "no-store" in done["Cache-Control"]
    user = User.objects.get(pk=rep_a.pk)
    assert user.check_password(temporary) and not user.check_password(PASSWORD)
    assert user.must_change_password and len(temporary) >= 16


def test_it_audits_the_reset_without_the_password(client_for, staff_user, rep_a):
    _done, temporary = reset(client_for(staff_user), rep_a)
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.PASSWORD_RESET)
    assert event.actor == staff_user and event.detail == {"user": "rep_a", "user_id": rep_a.pk}
    assert temporary not in str(event.detail)


def test_the_user_page_password_link_resets_the_same_way(client_for, staff_user, rep_a):
    client = client_for(staff_user)
    url = f"/admin/accounts/user/{rep_a.pk}/password/"
    assert "Yes, reset" in client.get(url).content.decode()
    assert User.objects.get(pk=rep_a.pk).check_password(PASSWORD)
    client.post(url, {"confirm": "yes"})
    assert User.objects.get(pk=rep_a.pk).must_change_password


def test_it_forces_a_change_at_the_next_login_then_lets_the_user_in(client_for, staff_user, rep_a, client):
    _done, temporary = reset(client_for(staff_user), rep_a)
    client.post(reverse("accounts:login"), {"username": "rep_a", "password": temporary})
    assert client.get(reverse("overview:home"))["Location"].startswith(CHANGE_PASSWORD)
    assert client.get(reverse("reports:list"))["Location"].startswith(CHANGE_PASSWORD)
    page = client.get(CHANGE_PASSWORD).content.decode()
    assert "Your password was reset" in page
    response = client.post(CHANGE_PASSWORD, {"old_password": temporary, "new_password1": NEW_PASSWORD,
                                             "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("overview:home")).status_code == 200  # still logged in
    user = User.objects.get(pk=rep_a.pk)
    assert user.check_password(NEW_PASSWORD) and not user.must_change_password
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.PASSWORD_CHANGED, actor=rep_a).exists()


def test_a_user_changes_their_own_password(client_for, rep_a):
    client = client_for(rep_a, csrf=True)
    page = client.get(CHANGE_PASSWORD)
    token = client.cookies["csrftoken"].value
    assert "Change your password" in page.content.decode()
    bad = client.post(CHANGE_PASSWORD, {"old_password": "wrong", "new_password1": NEW_PASSWORD,
                                        "new_password2": NEW_PASSWORD, "csrfmiddlewaretoken": token})
    assert bad.status_code == 200
    client.post(CHANGE_PASSWORD, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                                  "new_password2": NEW_PASSWORD, "csrfmiddlewaretoken": token})
    assert User.objects.get(pk=rep_a.pk).check_password(NEW_PASSWORD)


def test_only_staff_can_reset(client_for, board_user, rep_a):
    client = client_for(board_user)
    client.post(CHANGELIST, {"action": "reset_password", "_selected_action": [rep_a.pk], "confirm": "yes"})
    assert User.objects.get(pk=rep_a.pk).check_password(PASSWORD)
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.PASSWORD_RESET).exists()


def test_staff_add_a_person_who_must_choose_their_password(client_for, staff_user, company_a):
    response = client_for(staff_user).post("/admin/accounts/user/add/", {
        "username": "newrep", "role": "representative", "company": company_a.pk,
        "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "first_name": "", "last_name": "", "email": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="newrep")
    assert user.must_change_password and not user.is_staff and user.company == company_a


def test_staff_cannot_add_a_representative_without_a_company(client_for, staff_user):
    response = client_for(staff_user).post("/admin/accounts/user/add/", {
        "username": "orphan", "role": "representative", "company": "",
        "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 200 and not User.objects.filter(username="orphan").exists()
