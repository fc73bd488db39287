"""`GET /status`: the doctor's report as a page, for the miner host's IT person.

The miner has no user accounts: the page asks for MINER_STATUS_PASSWORD by HTTP Basic (any user name),
compared in constant time, and is 404 when the setting is unset; after 10 wrong passwords from one address
in 15 minutes it answers 429 until they are old. Its one style block is allowed by its hash
(Content-Security-Policy); nothing else loads."""

import base64
import binascii
import hashlib
import hmac

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe

from .report import run_all, summary

STYLE = ("body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
         "color:#1b2733}"
         "table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem .6rem;"
         "border-bottom:1px solid #d9e0e7;vertical-align:top}.ok{color:#1a7f37}.warning{color:#9a6700}"
         ".problem{color:#b42318;font-weight:600}.skipped{color:#57606a}")
CSP = ("default-src 'none'; style-src 'sha256-"
       + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode() + "'; frame-ancestors 'none'")


def _password(request) -> str | None:
    scheme, _, encoded = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        _user, sep, password = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return password if sep else None


FAILURES_ALLOWED, FAILURE_WINDOW_SECONDS = 10, 15 * 60


def _failure_key(request) -> str:
    # behind the reverse proxy every client has its address: then one budget for everyone (a guesser
    # locks the page for a quarter of an hour, never gets more guesses)
    return "miner-status-failures:" + request.META.get("REMOTE_ADDR", "")


def _too_many() -> HttpResponse:
    response = HttpResponse("Too many wrong passwords: try again in a quarter of an hour.\n", status=429,
                            content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(FAILURE_WINDOW_SECONDS)
    return response


def _refused() -> HttpResponse:
    response = HttpResponse("This page needs the miner's status password (MINER_STATUS_PASSWORD).\n",
                            status=401, content_type="text/plain; charset=utf-8")
    response["WWW-Authenticate"] = 'Basic realm="miner status", charset="UTF-8"'
    return response


@require_safe
def status_page(request):
    expected = settings.MINER_STATUS_PASSWORD
    if not expected:
        raise Http404
    key = _failure_key(request)
    if cache.get(key, 0) >= FAILURES_ALLOWED:
        return _too_many()
    presented = _password(request)
    if presented is None or not hmac.compare_digest(presented.encode(), expected.encode()):
        if presented is not None:  # the browser's first request carries none: not a guess
            cache.add(key, 0, FAILURE_WINDOW_SECONDS)
            cache.incr(key)
        return _refused()
    results = run_all()
    html = render_to_string("miners/status.html", {
        "index": settings.MINER_INDEX, "results": results, "summary": summary(results), "style": STYLE})
    response = HttpResponse(html)
    response["Content-Security-Policy"] = CSP
    response["Cache-Control"] = "no-store"
    return response
