"""Logging in and out with a username and password; the audit rows it leaves."""

import pytest
from django.urls import reverse

from consortium.portal.accounts.models import AuditEvent
from tests.portal.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN, HOME = reverse("accounts:login"), reverse("overview:home")


def csrf_token(client, url=LOGIN):
    client.get(url)
    return client.cookies["csrftoken"].value


def log_in(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password,
                               "csrfmiddlewaretoken": csrf_token(client), **extra})


def test_it_shows_a_clear_login_page(csrf_client):
    page = csrf_client.get(LOGIN)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="username"' in body and 'name="password"' in body and "Log in" in body


def test_it_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/"


def test_it_logs_a_representative_in_and_records_it(csrf_client, rep_a):
    response = log_in(csrf_client, "rep_a", PASSWORD)
    assert response.status_code == 302 and response["Location"] == HOME
    assert csrf_client.get(HOME).status_code == 200
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN)
    assert event.actor == rep_a and event.ip == "127.0.0.1"


def test_it_follows_next_only_within_the_site(csrf_client, rep_a):
    assert log_in(csrf_client, "rep_a", PASSWORD, next="https://evil.example/")["Location"] == HOME


def test_it_refuses_a_wrong_password_with_a_clear_message(csrf_client, rep_a):
    response = log_in(csrf_client, "rep_a", "not-the-password")
    assert response.status_code == 200
    assert "do not match" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_it_records_a_failed_login_without_the_password(csrf_client, rep_a):
    log_in(csrf_client, "rep_a", "typed-secret-guess")
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN_FAILED)
    assert event.detail == {"username_exists": True, "user_id": rep_a.pk, "locked_out": False}
    assert "typed-secret-guess" not in str(event.detail) and "password" not in event.detail


def test_it_refuses_a_login_without_csrf_token(csrf_client, rep_a):
    response = csrf_client.post(LOGIN, {"username": "rep_a", "password": PASSWORD})
    assert response.status_code == 403


def test_it_logs_out_on_post_only_and_records_it(client_for, rep_a):
    client = client_for(rep_a, csrf=True)
    assert client.get(reverse("accounts:logout")).status_code == 405
    token = csrf_token(client, HOME)
    response = client.post(reverse("accounts:logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert client.get(HOME).status_code == 302
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.LOGOUT, actor=rep_a).count() == 1


def test_it_never_writes_a_password_to_the_audit_log(csrf_client, rep_a):
    log_in(csrf_client, "rep_a", "wrong-password-123")
    log_in(csrf_client, "rep_a", PASSWORD)
    for event in AuditEvent.objects.all():
        assert PASSWORD not in str(event.detail) and "wrong-password-123" not in str(event.detail)


def test_it_hashes_passwords_with_argon2_in_the_real_settings():
    import consortium.settings

    assert consortium.settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
