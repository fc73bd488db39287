"""The portal's HTTP client for the three miners (docs/api.md), standard library only.

Errors come back as short reasons ("timeout", "HTTP 503", ...) that never hold a URL, a
header or a response body: those may carry a secret, and the reasons end up on admin pages.
"""

import json
import socket
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from consortium.contract import library

# A health answer is a few hundred bytes; anything much larger is not a miner talking.
MAX_RESPONSE_BYTES = 64 * 1024
HEALTH_STATES = ("ok", "degraded")


class MinerError(Exception):
    """A call to a miner failed; str() is a short reason, safe to show and to log."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect would forward the Authorization header to wherever it points.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def miner_url(i: int) -> str:
    """Miner i's base URL without a trailing slash, or "" when it is not configured."""
    url = settings.MINERS[i]["url"].rstrip("/")
    return url if urlsplit(url).scheme in ("http", "https") else ""


def request_json(i: int, method: str, path: str, body=None, *, auth: bool = False, timeout=None):
    """Send `body` as JSON to miner i and return the decoded JSON answer; raise MinerError."""
    base = miner_url(i)
    if not base:
        raise MinerError("not configured")
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if auth:
        headers["Authorization"] = f"Portal {settings.MINERS[i]['secret'] or ''}"
    # S310: miner_url() admits http and https only
    req = urllib.request.Request(base + path, data=data, headers=headers, method=method)  # noqa: S310
    timeout = timeout or settings.MINER_HTTP_TIMEOUT_SECONDS
    try:
        with _opener.open(req, timeout=timeout) as resp:
            raw = resp.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as e:
        raise MinerError(f"HTTP {e.code}") from None
    except urllib.error.URLError as e:
        raise MinerError(_reason(e.reason)) from None
    except TimeoutError:
        raise MinerError("timeout") from None
    except OSError as e:
        raise MinerError(_reason(e)) from None
    if len(raw) > MAX_RESPONSE_BYTES:
        raise MinerError("response too large")
    try:
        return json.loads(raw)
    except ValueError:
        raise MinerError("response is not JSON") from None


# The reasons above, in the reader's language (the code compares the English ones).
_REASONS_FOR_PEOPLE = {
    "timeout": _("timeout"), "connection refused": _("connection refused"),
    "unknown host": _("unknown host"), "connection failed": _("connection failed"),
    "TLS certificate not trusted": _("TLS certificate not trusted"),
    "unreachable": _("unreachable"), "response too large": _("response too large"),
    "response is not JSON": _("response is not JSON"), "not configured": _("not configured"),
    "unexpected answer": _("unexpected answer"), "answers as another miner": _("answers as another miner"),
}


def for_people(reason: str) -> str:
    """A reason of this module (or a miner's own error text, which it may repeat) in the active language;
    any other text as it is ("HTTP 503" needs no translation)."""
    return str(_REASONS_FOR_PEOPLE.get(reason, reason))


def _reason(err) -> str:
    if isinstance(err, TimeoutError):
        return "timeout"
    if isinstance(err, ConnectionRefusedError):
        return "connection refused"
    if isinstance(err, socket.gaierror):
        return "unknown host"
    if isinstance(err, ConnectionError):
        return "connection failed"
    if isinstance(err, OSError) and "certificate" in str(err).lower():
        return "TLS certificate not trusted"
    return "unreachable"


def health(i: int) -> dict:
    """Miner i's `GET /api/health` answer, or {"status": "down" | "not_configured", "error": reason}.
    `sharing_library_sha256` is "" when the miner names no digest (an older miner) or a malformed one."""
    if not miner_url(i):
        return {"status": "not_configured", "error": "not configured"}
    try:
        answer = request_json(i, "GET", "/api/health", timeout=settings.MINER_HEALTH_TIMEOUT_SECONDS)
    except MinerError as e:
        return {"status": "down", "error": str(e)}
    if not isinstance(answer, dict) or answer.get("status") not in HEALTH_STATES:
        return {"status": "down", "error": "unexpected answer"}
    if answer.get("miner_index") != i:
        # a URL pointing at the wrong miner would send it the wrong party's shares
        return {"status": "down", "error": "answers as another miner"}
    peers = answer.get("peers")
    shipped = answer.get("sharing_library_sha256")
    return {
        "status": answer["status"],
        "peers": {str(k): str(v) for k, v in peers.items()} if isinstance(peers, dict) else {},
        "version": str(answer.get("version", ""))[:40],
        "sharing_library_sha256": shipped if library.is_sha256_hex(shipped) else "",
    }


DOCTOR_STATES = ("ok", "warning", "problem")
DOCTOR_MAX_LINES, DOCTOR_MAX_LINE = 20, 400
# a miner's doctor waits for its own bounded checks (5 s each, in parallel): a little longer than that
DOCTOR_TIMEOUT_SECONDS = 8


def doctor(i: int) -> dict:
    """Miner i's `GET /api/doctor` summary: {"status", "counts", "lines": its warnings' and problems' lines},
    or {"status": "unknown", "error": reason} when it cannot be asked or answers something else."""
    if not miner_url(i):
        return {"status": "unknown", "error": "not configured"}
    try:
        answer = request_json(i, "GET", "/api/doctor", auth=True, timeout=DOCTOR_TIMEOUT_SECONDS)
    except MinerError as e:
        return {"status": "unknown", "error": str(e)}
    checks = answer.get("checks") if isinstance(answer, dict) else None
    if answer.get("status") not in DOCTOR_STATES if isinstance(answer, dict) else True:
        return {"status": "unknown", "error": "unexpected answer"}
    if not isinstance(checks, list) or not all(isinstance(c, dict) for c in checks):
        return {"status": "unknown", "error": "unexpected answer"}
    noted = [c for c in checks if c.get("state") in ("problem", "warning")]
    counts = {state: sum(c.get("state") == state for c in checks) for state in DOCTOR_STATES}
    return {"status": answer["status"], "counts": counts,
            "lines": [(str(c.get("state")), f"{str(c.get('check', ''))[:80]}: {str(c.get('line', ''))}"
                       [:DOCTOR_MAX_LINE]) for c in noted[:DOCTOR_MAX_LINES]]}


def health_all() -> list[dict]:
    """The three miners' health, checked at once: a page waits one timeout, not three."""
    with ThreadPoolExecutor(max_workers=len(settings.MINERS)) as pool:
        return list(pool.map(health, range(len(settings.MINERS))))


def doctor_all() -> list[dict]:
    """The three miners' doctor summaries, asked at once."""
    with ThreadPoolExecutor(max_workers=len(settings.MINERS)) as pool:
        return list(pool.map(doctor, range(len(settings.MINERS))))
