"""Log-ins, log-outs and failures reach the audit log; a log-in starts the session clocks."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import audit
from .middleware import start_session_clock
from .models import AuditEvent


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
    # Django has already masked the password in `credentials`; only the username is kept.
    username = str(credentials.get("username", ""))[:150]
    locked = bool(getattr(request, "axes_locked_out", False))
    audit.record(AuditEvent.Kind.LOGIN_FAILED, None, request, username=username, locked_out=locked)
