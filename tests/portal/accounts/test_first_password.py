"""A person staff just added is welcomed to a new account at the first login, not told that staff reset
their password (which they never had); after a real reset, they are told it was reset."""

import pytest
from django.urls import reverse

from consortium.portal.accounts.models import User
from tests.portal.accounts.test_password import NEW_PASSWORD, reset

pytestmark = pytest.mark.django_db

CHANGE_PASSWORD = reverse("accounts:password_change")
FIRST_PASSWORD = "first-password-staff-typed-7"  # noqa: S105


def add_person(staff_client, company):
    response = staff_client.post("/admin/accounts/user/add/", {
        "username": "newrep", "role": "representative", "company": company.pk,
        "password1": FIRST_PASSWORD, "password2": FIRST_PASSWORD, "first_name": "", "last_name": "",
        "email": ""})
    assert response.status_code == 302


def first_page(client, password):
    client.post(reverse("accounts:login"), {"username": "newrep", "password": password})
    return client.get(CHANGE_PASSWORD).content.decode()


def test_a_new_account_is_welcomed_not_told_of_a_reset(client_for, staff_user, company_a, client):
    add_person(client_for(staff_user), company_a)
    page = first_page(client, FIRST_PASSWORD)
    assert "created your account with a first password" in page
    assert "reset" not in page


def test_after_a_reset_the_person_is_told_it_was_reset(client_for, staff_user, company_a, client):
    staff = client_for(staff_user)
    add_person(staff, company_a)
    _done, temporary = reset(staff, User.objects.get(username="newrep"))
    page = first_page(client, temporary)
    assert "Your password was reset" in page and "first password" not in page
    client.post(CHANGE_PASSWORD, {"old_password": temporary, "new_password1": NEW_PASSWORD,
                                  "new_password2": NEW_PASSWORD})
    assert not User.objects.get(username="newrep").must_change_password
