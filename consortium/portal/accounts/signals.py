"""Log-ins, log-outs and failures reach the audit log; a log-in starts the session clocks; the miners'
registrations and key rotations (minerlink) reach it too."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from consortium.portal.minerlink.events import key_event

from . import audit
from .middleware import start_session_clock
from .models import AuditEvent, User


@receiver(user_logged_in, dispatch_uid="accounts.logged_in")
def on_logged_in(sender, request, user, **kwargs):
    if request is not None:
        start_session_clock(request)
    audit.record(AuditEvent.Kind.LOGIN, user, request, stage="password")


@receiver(user_logged_out, dispatch_uid="accounts.logged_out")
def on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record(AuditEvent.Kind.LOGOUT, user, request, reason=getattr(request, "logout_reason", "user"))


@receiver(user_login_failed, dispatch_uid="accounts.login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    # Django has already masked the password. The typed username is not kept either: people type their
    # password into that field by mistake, and staff read this log. Only whether it names a person is.
    username = str(credentials.get(User.USERNAME_FIELD, ""))[:150]
    user_id = User.objects.filter(**{User.USERNAME_FIELD: username}).values_list("pk", flat=True).first()
    known = {"user_id": user_id} if user_id is not None else {}
    locked = bool(getattr(request, "axes_locked_out", False))
    audit.record(AuditEvent.Kind.LOGIN_FAILED, None, request, username_exists=user_id is not None, **known,
                 locked_out=locked)


@receiver(key_event, dispatch_uid="accounts.miner_key_event")
def on_miner_key_event(sender, kind, actor, request, detail, **kwargs):
    audit.record(AuditEvent.Kind(kind), actor, request, **detail)
