"""TOTP second factor: enrolment (QR code and key), verification at login, and the gate that keeps a
staff or board member without it away from everything else, admin included."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from consortium.portal.accounts.actions import do_create_user
from consortium.portal.accounts.models import AuditEvent, Role
from tests.portal.conftest import PASSWORD, totp_code

pytestmark = pytest.mark.django_db

HOME, ADMIN = reverse("overview:home"), reverse("admin:index")
SETUP, VERIFY = reverse("accounts:otp_setup"), reverse("accounts:otp_verify")


def password_only(user):
    """A client after the password step only, as a browser right after the login form."""
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def new_staff(db):
    return do_create_user("new_staff", PASSWORD, Role.STAFF)


@pytest.fixture
def new_board(db):
    return do_create_user("new_board", PASSWORD, Role.BOARD)


def code_for_setup(client):
    key = client.session["otp_setup_key"]
    return f"{TOTP(bytes.fromhex(key)).token():06d}"


@pytest.mark.parametrize("path", [HOME, ADMIN, reverse("reports:list"), reverse("accounts:password_change"),
                                  "/admin/accounts/user/"])
def test_it_sends_staff_without_a_device_to_enrolment_from_everywhere(new_staff, path):
    response = password_only(new_staff).get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)


def test_it_lets_a_board_member_without_a_device_reach_nothing_but_enrolment(new_board):
    client = password_only(new_board)
    for path in (HOME, reverse("reports:list"), reverse("accounts:how_it_works"), VERIFY):
        assert client.get(path)["Location"].startswith(SETUP), path
    assert client.get(SETUP).status_code == 200


def test_it_shows_a_qr_code_inline_and_the_key_in_base32(new_staff):
    page = password_only(new_staff).get(SETUP).content.decode()
    assert "<svg" in page and "<?xml" not in page and "<img" not in page
    assert "Type this key" in page
    groups = [g for g in page.split("<code")[1].split(">", 1)[1].split("</code>")[0].split() if g]
    assert len("".join(groups)) == 32 and set("".join(groups)) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def test_it_enrols_with_the_right_code_and_then_opens_the_portal(new_staff):
    client = password_only(new_staff)
    client.get(SETUP)
    response = client.post(SETUP, {"token": code_for_setup(client), "next": ADMIN})
    assert response.status_code == 302 and response["Location"] == ADMIN
    assert TOTPDevice.objects.get(user=new_staff).confirmed
    assert client.get(ADMIN).status_code == 200
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.SECOND_FACTOR_ENROLLED, actor=new_staff).exists()


def test_it_refuses_a_wrong_code_at_enrolment(new_staff):
    client = password_only(new_staff)
    client.get(SETUP)
    right = code_for_setup(client)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    response = client.post(SETUP, {"token": wrong})
    assert response.status_code == 200 and "does not match" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=new_staff).exists()
    assert client.get(HOME).status_code == 302


def test_it_asks_a_user_with_a_device_for_the_code_after_the_password(staff_user):
    client = password_only(staff_user)
    assert client.get(ADMIN)["Location"].startswith(VERIFY)
    assert client.get(SETUP)["Location"].startswith(VERIFY)
    response = client.post(VERIFY, {"token": totp_code(staff_user), "next": ADMIN})
    assert response["Location"] == ADMIN
    assert client.get(ADMIN).status_code == 200


def test_it_refuses_a_wrong_code_and_audits_it(board_user):
    client = password_only(board_user)
    wrong = f"{(int(totp_code(board_user)) + 500_000) % 10**6:06d}"
    response = client.post(VERIFY, {"token": wrong})
    assert "not right" in response.content.decode()
    assert client.get(HOME)["Location"].startswith(VERIFY)
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN_FAILED)
    assert event.actor == board_user and event.detail == {"stage": "second factor"}
    assert wrong not in str(event.detail)


def test_it_throttles_repeated_wrong_codes(settings, board_user):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # a minute's wait after one wrong code, however slow the test
    client = password_only(board_user)
    client.post(VERIFY, {"token": "000000" if totp_code(board_user) != "000000" else "111111"})
    response = client.post(VERIFY, {"token": totp_code(board_user)})  # right, but too soon after a wrong one
    assert "Too many wrong codes" in response.content.decode()


def test_it_asks_a_representative_who_enrolled_for_the_code_too(rep_a):
    TOTPDevice.objects.create(user=rep_a, name="phone", confirmed=True)
    assert password_only(rep_a).get(HOME)["Location"].startswith(VERIFY)


def test_it_lets_a_representative_without_a_device_in_directly(rep_a):
    assert password_only(rep_a).get(HOME).status_code == 200


def test_it_lets_staff_in_without_a_device_when_not_required(settings, new_staff):
    settings.REQUIRE_2FA_FOR_STAFF = False
    assert password_only(new_staff).get(ADMIN).status_code == 200


def test_it_lets_log_out_through_the_gate(new_board):
    client = password_only(new_board)
    assert client.post(reverse("accounts:logout"))["Location"] == reverse("accounts:login")
    assert client.get(SETUP)["Location"].startswith(reverse("accounts:login"))
