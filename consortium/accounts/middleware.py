"""Session limits and the per-user language."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.utils import translation

_STARTED, _SEEN = "session_started_at", "session_seen_at"


class SessionLimitsMiddleware:
    """Ends a session SESSION_ABSOLUTE_SECONDS after login or SESSION_IDLE_SECONDS after its last request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            started = request.session.setdefault(_STARTED, now)
            seen = request.session.get(_SEEN, now)
            expired = now - started > settings.SESSION_ABSOLUTE_SECONDS
            if expired or now - seen > settings.SESSION_IDLE_SECONDS:
                logout(request)
            else:
                request.session[_SEEN] = now
        return self.get_response(request)


class UserLanguageMiddleware:
    """A logged-in user's saved language wins over the browser's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
