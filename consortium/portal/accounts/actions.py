"""Every write to people and access goes through these functions, one transaction each."""

import secrets

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.db import transaction
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit
from .models import AuditEvent, User

# A temporary password: 16 random characters of a URL-safe alphabet (96 bits), shown once.
TEMPORARY_PASSWORD_BYTES = 12


@transaction.atomic
def do_create_user(username: str, password: str | None, role: str, company=None, **fields) -> User:
    """Create a person. `is_staff` (admin access) follows the role: staff get it, nobody else."""
    user = User(username=username, role=role, company=company, **fields)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()  # User.save sets is_staff from the role
    return user


def _access(user: User) -> dict:
    """What a person may reach: audited on creation and on every change (identifiers only)."""
    return {"role": user.role, "company": user.company_id, "is_active": user.is_active,
            "is_superuser": user.is_superuser}


@transaction.atomic
def do_save_user(user: User, actor: User, request=None) -> User:
    """Save a person added or edited in admin; the role, not the form, decides `is_staff`.

    Audits the creation, and each change of role, company, activity or superuser status with its old
    and new value, so that nobody (staff included) grants access quietly.
    """
    if user.pk is None:
        user.save()
        audit.record(AuditEvent.Kind.USER_CREATED, actor, request, user=user.username, user_id=user.pk,
                     **_access(user))
        return user
    # Lock the stored row: of two staff saving the same person at once, each logs the value it replaced.
    before = _access(User.objects.select_for_update().get(pk=user.pk))
    user.save()  # User.save applies the role (is_staff, is_superuser) before we read it back
    after = _access(user)
    changes = {field: [before[field], after[field]] for field in after if before[field] != after[field]}
    if changes:
        audit.record(AuditEvent.Kind.ACCESS_CHANGED, actor, request, user=user.username, user_id=user.pk,
                     changes=changes)
    return user


@transaction.atomic
def do_delete_user(user: User, actor: User, request=None) -> None:
    """Delete a person in admin (their audit rows stay, without the link); audited."""
    user = User.objects.select_for_update().get(pk=user.pk)
    detail = {"user": user.username, "user_id": user.pk, **_access(user)}
    user.delete()
    audit.record(AuditEvent.Kind.USER_DELETED, actor, request, **detail)


@transaction.atomic
def do_reset_second_factor(user: User, actor: User, request=None) -> int:
    """Remove the person's authenticator devices (a lost phone); returns how many.

    They set up a new app at their next login; sessions verified with the old device lose that
    verification at once (django-otp finds no device behind them).
    """
    # The same row lock as do_enrol_totp: an enrolment cannot slip in between and survive the reset.
    user = User.objects.select_for_update().get(pk=user.pk)
    _total, per_model = TOTPDevice.objects.filter(user=user).delete()
    removed = per_model.get(TOTPDevice._meta.label, 0)
    audit.record(AuditEvent.Kind.SECOND_FACTOR_RESET, actor, request, user=user.username, user_id=user.pk,
                 devices=removed)
    return removed


@transaction.atomic
def do_reset_password(user: User, actor: User, request=None) -> str:
    """Give `user` a random temporary password, to be changed at the next login. Returns it (show it once)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    temporary = secrets.token_urlsafe(TEMPORARY_PASSWORD_BYTES)
    user.set_password(temporary)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    audit.record(AuditEvent.Kind.PASSWORD_RESET, actor, request, user=user.username, user_id=user.pk)
    return temporary


@transaction.atomic
def do_change_password(request, new_password: str) -> None:
    """The logged-in user sets their own password; the session stays logged in."""
    user = request.user
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    update_session_auth_hash(request, user)
    audit.record(AuditEvent.Kind.PASSWORD_CHANGED, user, request)


def totp_matches(key_hex: str, token: str) -> bool:
    """Whether `token` is the current code (one step either way) of a TOTP secret not yet saved."""
    if not token.isdigit():
        return False
    return TOTP(bytes.fromhex(key_hex)).verify(int(token), tolerance=1)


@transaction.atomic
def do_enrol_totp(request, key_hex: str, token: str) -> TOTPDevice | None:
    """Confirm a new TOTP device if `token` matches its secret; verifies this session with it."""
    # Lock the user's row: two tabs confirming at once must not leave two devices.
    user = User.objects.select_for_update().get(pk=request.user.pk)
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists() or not totp_matches(key_hex, token):
        return None
    device = TOTPDevice.objects.create(user=user, name="authenticator app", key=key_hex, confirmed=True)
    device.verify_token(token)  # records the step, so this code cannot be used a second time
    request.session.cycle_key()
    otp_login(request, device)
    audit.record(AuditEvent.Kind.SECOND_FACTOR_ENROLLED, user, request)
    return device


def do_verify_second_factor(request, device: TOTPDevice, token: str) -> bool:
    """Check a code against the user's device (throttled by django-otp); verifies the session if right."""
    verified = verify_token(request.user, device.persistent_id, token)  # its own transaction
    if verified is None:
        audit.record(AuditEvent.Kind.LOGIN_FAILED, request.user, request, stage="second factor")
        return False
    request.session.cycle_key()
    otp_login(request, verified)
    audit.record(AuditEvent.Kind.LOGIN, request.user, request, stage="second factor")
    return True


@transaction.atomic
def do_set_language(user: User, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise ValueError("not one of settings.LANGUAGES")
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
