"""Session limits, the gate of the second factor and of a forced password change, the per-user language,
django-axes' middleware as a sync-only one."""

import time
from urllib.parse import urlencode

from axes.middleware import AxesMiddleware as _AxesMiddleware
from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django_otp import user_has_device

from .models import Role

_STARTED, _SEEN = "session_started_at", "session_seen_at"
SESSION_EXPIRED_FLAG = "session_expired"


def session_expired(session, now: float) -> bool:
    """Whether the session is past SESSION_ABSOLUTE_SECONDS since login or SESSION_IDLE_SECONDS since its
    last request (a session without timestamps has just started). Reads only: no side effects."""
    started, seen = session.get(_STARTED, now), session.get(_SEEN, now)
    return now - started > settings.SESSION_ABSOLUTE_SECONDS or now - seen > settings.SESSION_IDLE_SECONDS


def start_session_clock(request):
    now = time.time()
    request.session[_STARTED] = now
    request.session[_SEEN] = now


class SessionLimitsMiddleware:
    """Ends a session SESSION_ABSOLUTE_SECONDS after login or SESSION_IDLE_SECONDS after its last request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            request.session.setdefault(_STARTED, now)
            if session_expired(request.session, now):
                request.logout_reason = "session expired"
                logout(request)
                request.session[SESSION_EXPIRED_FLAG] = True  # the login page says why
            else:
                request.session[_SEEN] = now
        return self.get_response(request)


def second_factor_required(user) -> bool:
    """Whether settings demand a second factor of this user's role."""
    return (user.role == Role.STAFF and settings.REQUIRE_2FA_FOR_STAFF) or (
        user.role == Role.BOARD and settings.REQUIRE_2FA_FOR_BOARD
    )


def pending_step(request) -> str | None:
    """The URL name the logged-in user must visit before anything else, or None when they are through."""
    user = request.user
    if not user.is_authenticated:
        return None
    if not user.is_verified():
        # A user who enrolled a device uses it, whether or not their role demands one.
        if user_has_device(user, confirmed=True):
            return "accounts:otp_verify"
        if second_factor_required(user):
            return "accounts:otp_setup"
    if user.must_change_password:
        return "accounts:password_change"
    return None


class AccessGateMiddleware:
    """Until the second factor is passed (and a reset password replaced), the user reaches only that
    step, log-out and the language switch: not the home page, not a report, not the admin."""

    _ALWAYS_OPEN = ("accounts:logout", "set_language")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        step = pending_step(request)
        if step is not None:
            open_paths = {reverse(name) for name in (step, *self._ALWAYS_OPEN)}
            if request.path not in open_paths:
                target = reverse(step)
                if request.method == "GET":
                    target += "?" + urlencode({"next": request.get_full_path()})
                return redirect(target)
        return self.get_response(request)


class UserLanguageMiddleware:
    """A logged-in user's saved language wins over the browser's; choosing one with the language
    switch (Django's `set_language`) saves it on the user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        logged_in = user is not None and user.is_authenticated
        language = getattr(user, "language", "") if logged_in else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        chosen = response.cookies.get(settings.LANGUAGE_COOKIE_NAME)
        # set_language sets the cookie only for a language in LANGUAGES; the user may have logged
        # out in the meantime (a request to log out never sets it), so check again.
        if chosen is not None and chosen.value and logged_in and request.user.is_authenticated:
            from .actions import do_set_language

            do_set_language(request.user, chosen.value)
        return response


class AxesMiddleware(_AxesMiddleware):
    """django-axes' middleware, sync only. Django's own middleware above and below it (messages,
    X-Frame-Options) is async-capable, so under ASGI an async-capable last middleware made the chain
    switch to async below the first sync-only one: every request then hopped between a thread and the
    event loop once more for each of their hooks. Sync only, the chain runs on one thread down to the view
    (docs/performance.md, "Share intake")."""

    async_capable = False
