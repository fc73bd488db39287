"""Sessions end SESSION_IDLE_SECONDS after the last request and SESSION_ABSOLUTE_SECONDS after login.
Time travel: the session's own clocks are moved back."""

import time

import pytest
from django.conf import settings
from django.urls import reverse

from consortium.portal.accounts.models import AuditEvent

pytestmark = pytest.mark.django_db

HOME = reverse("overview:home")


def move_clocks(client, started_ago, seen_ago):
    session = client.session
    now = time.time()
    session["session_started_at"] = now - started_ago
    session["session_seen_at"] = now - seen_ago
    session.save()


def test_it_keeps_an_active_session(client_for, rep_a):
    client = client_for(rep_a)
    move_clocks(client, started_ago=settings.SESSION_ABSOLUTE_SECONDS - 60,
                seen_ago=settings.SESSION_IDLE_SECONDS - 60)
    assert client.get(HOME).status_code == 200


def test_it_ends_an_idle_session(client_for, rep_a):
    client = client_for(rep_a)
    assert client.get(HOME).status_code == 200
    idle = settings.SESSION_IDLE_SECONDS
    move_clocks(client, started_ago=idle + 120, seen_ago=idle + 1)
    response = client.get(HOME)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert not response.wsgi_request.user.is_authenticated
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.LOGOUT).detail == {"reason": "session expired"}


def test_it_ends_a_session_at_the_absolute_limit_even_when_active(client_for, rep_a):
    client = client_for(rep_a)
    move_clocks(client, started_ago=settings.SESSION_ABSOLUTE_SECONDS + 1, seen_ago=5)
    assert client.get(HOME).status_code == 302


def test_it_says_why_on_the_login_page(client_for, rep_a):
    client = client_for(rep_a)
    move_clocks(client, started_ago=10, seen_ago=settings.SESSION_IDLE_SECONDS + 1)
    page = client.get(HOME, follow=True)
    assert "Your session has ended" in page.content.decode()
    assert "Your session has ended" not in client.get(reverse("accounts:login")).content.decode()


def test_it_restarts_the_clocks_at_login(client, rep_a):
    from tests.portal.conftest import PASSWORD

    before = time.time()
    client.post(reverse("accounts:login"), {"username": "rep_a", "password": PASSWORD})
    assert client.session["session_started_at"] >= before
