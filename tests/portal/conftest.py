"""Personas shared by every portal test: two member companies, their representatives,
a staff member and a board member (both with a confirmed TOTP device), and clients.

    def test_it_hides_b(client_for, rep_a): client_for(rep_a).get(...)
    def test_it_needs_csrf(client_for, staff_user): client_for(staff_user, csrf=True).post(...)

And what the member-side tests share: an open period, a token issued for it, fake miners.
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from consortium.portal.accounts.actions import do_create_user
from consortium.portal.accounts.models import Company, Role
from consortium.portal.submissions.actions import do_issue_token

from . import factories
from .fake_miners import FakeMiners

PASSWORD = "correct-horse-battery-staple"  # noqa: S105 - the personas' password in tests


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 takes a fifth of a second per hash, by design; tests hash hundreds of passwords.
    (test_accounts_login checks that the real settings hash with Argon2.)"""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _commit_hooks_inside_the_tests_transaction(monkeypatch):
    """A test's own transaction never commits, so `transaction.on_commit` work (dispatching a run) would
    never run. Here a hook runs as it would in production: at once when only the test's transaction is
    open, and still deferred inside a transaction the code opened itself (then it never runs, as a
    hook of a transaction that is rolled back)."""
    real = transaction.on_commit

    def on_commit(func, using=None, robust=False):
        blocks = transaction.get_connection(using).atomic_blocks
        if all(getattr(block, "_from_testcase", False) for block in blocks):
            return func()
        return real(func, using, robust)

    monkeypatch.setattr(transaction, "on_commit", on_commit)


@pytest.fixture
def company_a(db):
    return Company.objects.create(name="Alpha Metall AS", registry_code="10000001")


@pytest.fixture
def company_b(db):
    return Company.objects.create(name="Beta Puit OÜ", registry_code="10000002")


@pytest.fixture
def rep_a(company_a):
    return do_create_user("rep_a", PASSWORD, Role.REPRESENTATIVE, company=company_a,
                          first_name="Anna", last_name="Alpha")


@pytest.fixture
def rep_b(company_b):
    return do_create_user("rep_b", PASSWORD, Role.REPRESENTATIVE, company=company_b,
                          first_name="Bruno", last_name="Beta")


def _with_device(user):
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


@pytest.fixture
def staff_user(db):
    """Consortium staff with a confirmed TOTP device (`otp_token(user)` gives its current code)."""
    return _with_device(do_create_user("staff", PASSWORD, Role.STAFF, first_name="Sofia", last_name="Staff"))


@pytest.fixture
def board_user(db):
    """A board member with a confirmed TOTP device."""
    return _with_device(do_create_user("board", PASSWORD, Role.BOARD, first_name="Boris", last_name="Board"))


def totp_code(user) -> str:
    """The current code of the user's TOTP device, as the phone app would show it."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def otp_token():
    return totp_code


@pytest.fixture
def client_for(db):
    """client_for(user, csrf=False): a client logged in fully, second factor verified when the user
    has a device (as after password + code). csrf=True enforces CSRF checks, as a browser would."""

    def make(user, csrf=False):
        client = Client(enforce_csrf_checks=csrf)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None:
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        return client

    return make


@pytest.fixture
def csrf_client():
    """An anonymous client that enforces CSRF checks."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def open_period(db):
    """An open semi-annual period, "2026 H1", with the default indicators."""
    return factories.open_period()


@pytest.fixture
def issued(rep_a, open_period):
    """A fresh token for rep_a in `open_period`: (token, access, submission), as do_issue_token returns."""
    return do_issue_token(rep_a, open_period)


@pytest.fixture
def fake(monkeypatch, settings):
    """Three fake miners that compute with the real MPC engine (fake_miners.py), installed as MINERS."""
    return FakeMiners().install(monkeypatch, settings)


@pytest.fixture
def travel(monkeypatch):
    """travel(seconds): from then on Django's clock (timezone.now) runs that much later; travels add up."""
    real_now, offset = timezone.now, [timedelta()]

    def go(seconds):
        offset[0] += timedelta(seconds=seconds)
        monkeypatch.setattr(timezone, "now", lambda: real_now() + offset[0])

    return go
