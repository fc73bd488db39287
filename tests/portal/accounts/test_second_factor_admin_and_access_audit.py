"""The security review's findings on people and access (M2, M3, L4, L5), each held closed.

M2: no admin page shows or sets a TOTP secret; staff only reset a second factor, audited.
M3: adding a person and every change of their access is audited (actor, target, old -> new).
L4: a DRF view that forgets its classes is closed, and HTTP Basic never authenticates.
L5: a failed login never stores the typed username (it may be a password).
"""

import base64

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.response import Response
from rest_framework.views import APIView

from consortium.portal.accounts.models import AuditEvent, Role, User
from tests.portal.conftest import PASSWORD

pytestmark = pytest.mark.django_db

DEVICES = "/admin/otp_totp/totpdevice/"
USERS = "/admin/accounts/user/"
LOGIN = reverse("accounts:login")


def events(kind):
    return list(AuditEvent.objects.filter(kind=kind))


# --- M2: TOTP devices in admin -------------------------------------------------------------

@pytest.fixture
def board_device(board_user):
    return TOTPDevice.objects.get(user=board_user)


def test_it_shows_no_device_secret_on_any_admin_page(client_for, staff_user, board_device):
    client = client_for(staff_user)
    listing = client.get(DEVICES)
    page = client.get(f"{DEVICES}{board_device.pk}/change/")
    assert listing.status_code == 200 and page.status_code == 200
    for body in (listing.content.decode(), page.content.decode()):
        assert board_device.key not in body and "otpauth://" not in body and "secret=" not in body
    assert "board" in listing.content.decode()  # staff still see who has an app


@pytest.mark.parametrize("suffix", ["config/", "qrcode/"])
def test_it_serves_no_otpauth_address_or_qr_code(client_for, staff_user, board_device, suffix):
    response = client_for(staff_user).get(f"{DEVICES}{board_device.pk}/{suffix}")
    assert response.status_code in (302, 404)
    assert board_device.key not in response.content.decode()


def test_staff_cannot_add_a_device_for_someone_else(client_for, staff_user, board_user):
    client = client_for(staff_user)
    assert client.get(f"{DEVICES}add/").status_code == 403
    response = client.post(f"{DEVICES}add/", {"user": board_user.pk, "name": "mine", "key": "00" * 20,
                                              "step": 30, "t0": 0, "digits": 6, "tolerance": 1,
                                              "drift": 0, "confirmed": "on"})
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=board_user).count() == 1


def test_staff_cannot_change_a_device(client_for, staff_user, board_device):
    response = client_for(staff_user).post(f"{DEVICES}{board_device.pk}/change/",
                                           {"user": board_device.user_id, "name": "x", "key": "00" * 20})
    assert response.status_code == 403
    board_device.refresh_from_db()
    assert board_device.key != "00" * 20 and board_device.name == "phone"


def test_it_offers_only_the_reset_action_on_devices(client_for, staff_user, board_device):
    body = client_for(staff_user).get(DEVICES).content.decode()
    assert 'value="reset_second_factor"' in body and 'value="delete_selected"' not in body


def test_the_reset_asks_first_then_removes_the_device_and_audits_it(client_for, staff_user, board_user,
                                                                    board_device):
    client = client_for(staff_user, csrf=False)
    selection = {"action": "reset_second_factor", "_selected_action": [board_device.pk]}
    confirm = client.post(DEVICES, selection)
    assert confirm.status_code == 200 and not events(AuditEvent.Kind.SECOND_FACTOR_RESET)
    assert TOTPDevice.objects.filter(user=board_user).exists()
    done = client.post(DEVICES, {**selection, "post": "yes"})
    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=board_user).exists()
    [event] = events(AuditEvent.Kind.SECOND_FACTOR_RESET)
    assert event.actor == staff_user
    assert event.detail == {"user": "board", "user_id": board_user.pk, "devices": 1}


def test_the_delete_page_of_one_device_is_the_same_audited_reset(client_for, staff_user, board_user,
                                                                 board_device):
    response = client_for(staff_user).post(f"{DEVICES}{board_device.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=board_user).exists()
    assert [e.detail["user_id"] for e in events(AuditEvent.Kind.SECOND_FACTOR_RESET)] == [board_user.pk]


def test_after_a_reset_the_person_must_set_up_a_new_app(client_for, staff_user, board_user, board_device):
    board = client_for(board_user)
    assert board.get(reverse("overview:home")).status_code == 200
    client_for(staff_user).post(f"{DEVICES}{board_device.pk}/delete/", {"post": "yes"})
    response = board.get(reverse("overview:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:otp_setup"))


def test_the_device_admin_needs_csrf(client_for, staff_user, board_user, board_device):
    response = client_for(staff_user, csrf=True).post(f"{DEVICES}{board_device.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=board_user).exists()


# --- M3: people and their access ---------------------------------------------------------------

def add_person(client, **fields):
    data = {"username": "newboard", "role": Role.BOARD, "company": "", "first_name": "", "last_name": "",
            "email": "", "password1": "a-brand-new-passphrase-42", "password2": "a-brand-new-passphrase-42"}
    return client.post(f"{USERS}add/", {**data, **fields})


def change_data(user, **fields):
    data = {"username": user.username, "role": user.role, "company": user.company_id or "",
            "is_active": "on" if user.is_active else "", "language": "",
            "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"}
    return {key: value for key, value in {**data, **fields}.items() if value != ""}


def test_adding_a_board_member_in_admin_is_audited(client_for, staff_user):
    assert add_person(client_for(staff_user)).status_code == 302
    new = User.objects.get(username="newboard")
    [event] = events(AuditEvent.Kind.USER_CREATED)
    assert event.actor == staff_user
    assert event.detail == {"user": "newboard", "user_id": new.pk, "role": "board", "company": None,
                            "is_active": True, "is_superuser": False}
    assert "a-brand-new-passphrase-42" not in str(event.detail)


def test_a_role_change_is_audited_with_old_and_new_values(client_for, staff_user, rep_a, company_a):
    response = client_for(staff_user).post(f"{USERS}{rep_a.pk}/change/",
                                           change_data(rep_a, role=Role.BOARD, company=""))
    assert response.status_code == 302, response.content.decode()[:2000]
    [event] = events(AuditEvent.Kind.ACCESS_CHANGED)
    assert event.actor == staff_user
    assert event.detail == {"user": "rep_a", "user_id": rep_a.pk,
                            "changes": {"role": ["representative", "board"], "company": [company_a.pk, None]}}


def test_moving_a_representative_to_another_company_is_audited(client_for, staff_user, rep_a, company_a,
                                                               company_b):
    client_for(staff_user).post(f"{USERS}{rep_a.pk}/change/", change_data(rep_a, company=company_b.pk))
    [event] = events(AuditEvent.Kind.ACCESS_CHANGED)
    assert event.detail["changes"] == {"company": [company_a.pk, company_b.pk]}


def test_deactivating_a_person_is_audited(client_for, staff_user, rep_a):
    client_for(staff_user).post(f"{USERS}{rep_a.pk}/change/", change_data(rep_a, is_active=""))
    assert not User.objects.get(pk=rep_a.pk).is_active
    [event] = events(AuditEvent.Kind.ACCESS_CHANGED)
    assert event.detail["changes"] == {"is_active": [True, False]}


def test_a_staff_member_moved_to_another_role_loses_superuser_and_it_is_audited(client_for, staff_user):
    root = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    client_for(staff_user).post(f"{USERS}{root.pk}/change/", change_data(root, role=Role.BOARD))
    [event] = events(AuditEvent.Kind.ACCESS_CHANGED)
    assert event.detail["changes"] == {"role": ["staff", "board"], "is_superuser": [True, False]}


def test_an_edit_that_changes_no_access_is_not_logged_as_one(client_for, staff_user, rep_a):
    client_for(staff_user).post(f"{USERS}{rep_a.pk}/change/", change_data(rep_a, first_name="Annabel"))
    assert User.objects.get(pk=rep_a.pk).first_name == "Annabel"
    assert not events(AuditEvent.Kind.ACCESS_CHANGED)


def test_deleting_a_person_is_audited(client_for, staff_user, rep_b, company_b):
    response = client_for(staff_user).post(f"{USERS}{rep_b.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not User.objects.filter(username="rep_b").exists()
    [event] = events(AuditEvent.Kind.USER_DELETED)
    assert event.actor == staff_user and event.detail["user"] == "rep_b"
    assert event.detail["company"] == company_b.pk


# --- L4: DRF is closed by default --------------------------------------------------------------

class Forgetful(APIView):
    """A future API view that sets neither authentication nor permission classes."""

    def get(self, request):
        return Response({"ok": True})


def call(user=None, **headers):
    request = RequestFactory().get("/forgetful", **headers)
    if user is not None:
        request.user = user  # as AuthenticationMiddleware sets it from the session
    return Forgetful.as_view()(request)


def test_a_view_that_forgets_its_classes_refuses_anonymous_callers():
    assert call().status_code in (401, 403)


def test_http_basic_never_authenticates(rep_a):
    basic = base64.b64encode(f"rep_a:{PASSWORD}".encode()).decode()
    assert call(HTTP_AUTHORIZATION=f"Basic {basic}").status_code in (401, 403)


def test_a_logged_in_session_still_reaches_such_a_view(rep_a):
    assert call(rep_a).status_code == 200


def test_the_schema_stays_public_on_purpose(client):
    # settings.SPECTACULAR_SETTINGS says why: it is the published miner contract, with no secret in it.
    assert client.get("/api/schema/", HTTP_ACCEPT="application/json").status_code == 200


# --- L5: failed logins -----------------------------------------------------------------------------

def log_in(client, username, password):
    client.get(LOGIN)
    return client.post(LOGIN, {"username": username, "password": password,
                               "csrfmiddlewaretoken": client.cookies["csrftoken"].value})


def test_a_password_typed_as_the_username_never_reaches_the_audit_log(csrf_client, rep_a):
    assert log_in(csrf_client, PASSWORD, PASSWORD).status_code == 200
    [event] = events(AuditEvent.Kind.LOGIN_FAILED)
    assert PASSWORD not in str(event.detail)
    assert event.detail == {"username_exists": False, "locked_out": False}


def test_a_failed_login_of_a_known_person_names_them_by_id(csrf_client, rep_a):
    log_in(csrf_client, "rep_a", "not-the-password")
    [event] = events(AuditEvent.Kind.LOGIN_FAILED)
    assert event.detail == {"username_exists": True, "user_id": rep_a.pk, "locked_out": False}
    assert "rep_a" not in str(event.detail)
