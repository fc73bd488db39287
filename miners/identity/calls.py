"""The identity commands' HTTP calls to a peer or the portal: JSON in, JSON out, no redirects (a redirect
would carry the Authorization header elsewhere), answers capped. Errors are short and hold no secret."""

import json
import ssl
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings

from consortium.contract import credentials

MAX_ANSWER_BYTES = 64 * 1024
TIMEOUT_SECONDS = 10


class CallFailed(Exception):
    """str(): what went wrong, e.g. "HTTP 403: Rotation refused: ..." or "unreachable (...)"."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _opener(to_peer: bool):
    """Certificates checked against the system's CAs, or for a peer MINER_PEER_CA_FILE when set (the
    CA of a private test consortium, as for the peer channel's wss://)."""
    cafile = settings.MINER_PEER_CA_FILE if to_peer and settings.MINER_PEER_CA_FILE else None
    tls = urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=cafile))
    return urllib.request.build_opener(_NoRedirect, tls)


def cleartext_refused(url: str) -> str | None:
    """Why the portal's secret may not be sent to `url`: outside a development machine only over https."""
    if urlsplit(url).scheme != "https" and settings.DEPLOYMENT_ENV != "dev":
        return (f"{url} is not an https:// address: this miner's portal secret is sent only over https "
                "(plain http only with DEPLOYMENT_ENV=dev, on a test machine)")
    return None


def call(method: str, url: str, body: dict | None = None, *, as_miner: bool = False,
         timeout: float = TIMEOUT_SECONDS) -> dict:
    """The JSON answer of `method url`; with `as_miner`, `Authorization: Miner <i> <PORTAL_SECRET>`, and
    then only over https (outside DEPLOYMENT_ENV=dev)."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise CallFailed(f"{url!r} is not an http(s):// URL")
    if as_miner and (refused := cleartext_refused(url)):
        raise CallFailed(refused)
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    if as_miner:
        secret = settings.PORTAL_SECRET or ""
        headers["Authorization"] = credentials.miner_header(settings.MINER_INDEX, secret)
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 - http(s)
    try:
        with _opener(to_peer=not as_miner).open(request, timeout=timeout) as response:
            raw = response.read(MAX_ANSWER_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise CallFailed(f"HTTP {exc.code}{_detail(exc)}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise CallFailed(f"unreachable ({getattr(reason, 'strerror', None) or reason})") from None
    try:
        answer = json.loads(raw[:MAX_ANSWER_BYTES])
    except ValueError:
        raise CallFailed("the answer is not JSON (is this the right URL?)") from None
    if not isinstance(answer, dict):
        raise CallFailed("the answer is not a JSON object")
    return answer


def _detail(error: urllib.error.HTTPError) -> str:
    """The `detail` of a JSON error answer (the documented endpoints explain their refusals there)."""
    try:
        detail = json.loads(error.read(MAX_ANSWER_BYTES)).get("detail")
    except (ValueError, AttributeError, OSError):
        return ""
    return f": {str(detail)[:300]}" if detail else ""
