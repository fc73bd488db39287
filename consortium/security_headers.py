"""Content-Security-Policy for every portal response.

The form page holds the member's access token and splits the figures into shares in the browser: an
injected script there would see them. The policy lets the pages run only our own static files (no inline
script, no inline style, no eval), talk only to the portal itself (with its run-progress websocket) and to
the three miners (the form page POSTs the shares to them), and never be framed.

Django's admin still writes a few inline <style> blocks (the change list, our colour theme), so under
/admin/ only, styles may also be inline; scripts stay strict there too.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.urls import NoReverseMatch, reverse

HEADER = "Content-Security-Policy"
REPORT_ONLY_HEADER = "Content-Security-Policy-Report-Only"


def miner_origins() -> list[str]:
    """scheme://host[:port] of each configured miner (a miner without a URL is left out)."""
    origins = []
    for miner in settings.MINERS:
        parts = urlsplit(miner.get("url") or "")
        if parts.scheme in ("http", "https") and parts.hostname:
            origin = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}".lower()
            if origin not in origins:
                origins.append(origin)
    return origins


def socket_origins(request) -> list[str]:
    """The portal's own websocket origin (ws: only on a plain-HTTP development server)."""
    try:
        host = request.get_host()
    except DisallowedHost:  # the error page for a refused Host header: no socket on it anyway
        return []
    return [f"wss://{host}"] if request.is_secure() else [f"ws://{host}", f"wss://{host}"]


def is_admin(request) -> bool:
    try:
        return request.path.startswith(reverse("admin:index"))
    except NoReverseMatch:  # URLs without the admin (a miner's)
        return False


def policy(request) -> str:
    admin = is_admin(request)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"] if admin else ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'", *socket_origins(request), *miner_origins()],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        header = REPORT_ONLY_HEADER if settings.CONTENT_SECURITY_POLICY_REPORT_ONLY else HEADER
        if header not in response:  # a view that set its own, stricter policy keeps it
            response[header] = policy(request)
        return response
