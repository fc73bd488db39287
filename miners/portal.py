"""This miner's HTTP client for the portal (docs/api.md sections 1 and 4), standard library only.

Every call carries `Authorization: Miner <i> <secret>` and has a bounded time-out (PORTAL_TIMEOUT_SECONDS).
Failures raise PortalUnavailable whose text is a short reason ("timeout", "HTTP 503", ...) that never holds
a URL, a header, a token or a response body, so it is safe in logs and in answers to the browser.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from consortium.contract.credentials import miner_header

MAX_RESPONSE_BYTES = 64 * 1024  # the portal's answers are a few hundred bytes


class PortalUnavailable(Exception):
    """The portal could not be reached, answered late, or answered something that is not its contract."""


class PortalRefused(PortalUnavailable):
    """The portal answered with an HTTP error status (`status`)."""

    def __init__(self, status: int):
        super().__init__(f"HTTP {status}")
        self.status = status


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect would forward the Authorization header to wherever it points.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


@dataclass(frozen=True)
class Portal:
    url: str
    index: int
    secret: str
    timeout: float

    @classmethod
    def from_settings(cls) -> Portal:
        return cls(settings.PORTAL_URL, settings.MINER_INDEX, settings.PORTAL_SECRET or "",
                   settings.PORTAL_TIMEOUT_SECONDS)

    def post(self, path: str, body: dict) -> dict:
        """POST `body` as JSON and return the JSON object answered; PortalUnavailable otherwise."""
        if urlsplit(self.url).scheme not in ("http", "https") or not self.secret:
            raise PortalUnavailable("not configured")
        request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
            self.url + path, data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json",
                     "Authorization": miner_header(self.index, self.secret)})
        try:
            with _opener.open(request, timeout=self.timeout) as response:
                raw = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            raise PortalRefused(exc.code) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            timed_out = isinstance(getattr(exc, "reason", exc), TimeoutError)
            raise PortalUnavailable("timeout" if timed_out else "unreachable") from None
        if len(raw) > MAX_RESPONSE_BYTES:
            raise PortalUnavailable("answer too large")
        try:
            answer = json.loads(raw)
        except ValueError:
            raise PortalUnavailable("answer is not JSON") from None
        if not isinstance(answer, dict):
            raise PortalUnavailable("answer is not a JSON object")
        return answer

    def verify_token(self, token: str, period: int, form: str) -> dict:
        return self.post("/api/miner/tokens/verify", {"token": token, "period": period, "form": form})

    def push_progress(self, run_id: str, body: dict) -> dict:
        return self.post(f"/api/miner/runs/{run_id}/progress", body)

    def push_outputs(self, run_id: str, body: dict) -> dict:
        return self.post(f"/api/miner/runs/{run_id}/outputs", body)
