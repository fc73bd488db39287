"""django-axes: after LOGIN_FAILURE_LIMIT failures the username is locked from this address, with a page
that says when to try again."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from consortium.portal.accounts.models import AuditEvent
from tests.portal.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def attempt(client, password, username="rep_a"):
    return client.post(LOGIN, {"username": username, "password": password})


def test_it_locks_out_after_the_limit_and_says_when_to_try_again(client, rep_a):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert attempt(client, "wrong").status_code == 200
    locked = attempt(client, "wrong")
    assert locked.status_code == 429
    body = locked.content.decode()
    assert "Too many failed log-in attempts" in body and "try again after" in body
    retry_at = timezone.localtime(timezone.now() + settings.AXES_COOLOFF_TIME * timezone.timedelta(hours=1))
    assert retry_at.strftime("%H:%M") in body or "minutes from now" in body
    assert "Traceback" not in body


def test_it_refuses_even_the_right_password_while_locked(client, rep_a):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wrong")
    response = attempt(client, PASSWORD)
    assert response.status_code == 429
    assert not response.wsgi_request.user.is_authenticated


def test_it_locks_one_username_not_another(client, rep_a, rep_b):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wrong")
    assert attempt(client, PASSWORD, username="rep_b").status_code == 302


def test_it_forgets_failures_after_a_successful_login(client, rep_a):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "wrong")
    assert attempt(client, PASSWORD).status_code == 302
    client.logout()
    assert attempt(client, "wrong").status_code == 200


def test_it_audits_the_failures_and_the_lockout(client, rep_a):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wrong")
    events = AuditEvent.objects.filter(kind=AuditEvent.Kind.LOGIN_FAILED)
    assert events.count() == settings.AXES_FAILURE_LIMIT
    assert events.filter(detail__locked_out=True).exists()


def test_it_never_stores_a_typed_name_that_is_nobodys_username(client, rep_a):
    from axes.models import AccessAttempt

    attempt(client, "wrong", username=PASSWORD)  # the password typed into the username field
    attempt(client, "wrong")
    assert sorted(AccessAttempt.objects.values_list("username", flat=True)) == ["<unknown>", "rep_a"]


def test_unknown_names_are_locked_out_together_and_real_usernames_stay_open(client, rep_a):
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wrong", username=f"nobody-{n}")
    assert attempt(client, "wrong", username="nobody-else").status_code == 429
    assert attempt(client, PASSWORD).status_code == 302


def test_the_documented_default_is_five_failures(client, rep_a, monkeypatch):
    """README: LOGIN_FAILURE_LIMIT defaults to 5. The fourth failure still answers the form; the fifth
    locks (the tests above follow the setting, so this one pins its number)."""
    import os

    assert "LOGIN_FAILURE_LIMIT" not in os.environ
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        assert attempt(client, "wrong").status_code == 200
    assert attempt(client, "wrong").status_code == 429


def test_it_locks_out_under_asgi_too_where_axes_middleware_runs_sync_only(rep_a):
    """The portal serves ASGI; axes' middleware is there as a sync-only subclass (no thread hops for the
    middleware above it), and still turns the lock-out into the 429 page."""
    from asgiref.sync import async_to_sync
    from axes.middleware import AxesMiddleware
    from django.test import AsyncClient

    from consortium.portal.accounts import middleware

    ours = middleware.AxesMiddleware
    assert issubclass(ours, AxesMiddleware) and not ours.async_capable
    assert settings.MIDDLEWARE[-1] == "consortium.portal.accounts.middleware.AxesMiddleware"
    post = async_to_sync(AsyncClient().post)
    answers = [post(LOGIN, {"username": "rep_a", "password": "wrong"}).status_code
               for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert answers == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
