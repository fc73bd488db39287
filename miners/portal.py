"""This miner's HTTP client for the portal (docs/api.md sections 1 and 4), standard library only.

Every call carries `Authorization: Miner <i> <secret>` and has a bounded time-out (PORTAL_TIMEOUT_SECONDS).
Failures raise PortalUnavailable whose text is a short reason ("timeout", "HTTP 503", ...) that never holds
a URL, a header, a token or a response body, so it is safe in logs and in answers to the browser.

Connections are kept open and reused (HTTP/1.1 keep-alive): every share submission asks the portal, and a
new TCP (and TLS) connection each time cost more than the portal's answer. Redirects are never followed
(http.client does not), so the Authorization header goes nowhere but PORTAL_URL; HTTPS certificates are
checked against the system's CAs.
"""

from __future__ import annotations

import http.client
import json
import os
import selectors
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from consortium.contract.credentials import miner_header

# The portal's answers are a few hundred bytes (a batch of token checks: this for each check).
MAX_RESPONSE_BYTES = 64 * 1024
VERIFY_PATH = "/api/miner/tokens/verify"
# Idle connections kept per process: as many as the token checks one process has in flight at once on two
# cores; more at a burst's peak are closed after use instead of piling up.
MAX_IDLE_CONNECTIONS = 16
# An idle connection older than this is closed, not reused: well below the keep-alive time-outs servers
# close idle connections after (uvicorn's 5 s, nginx's 75 s), so a request is never sent down a connection
# that the portal is closing at that moment (the request would be lost without an answer).
MAX_IDLE_SECONDS = 2.0


class PortalUnavailable(Exception):
    """The portal could not be reached, answered late, or answered something that is not its contract."""


class PortalRefused(PortalUnavailable):
    """The portal answered with an HTTP status other than 2xx (`status`); redirects included."""

    def __init__(self, status: int):
        super().__init__(f"HTTP {status}")
        self.status = status


class _Connections:
    """Idle keep-alive connections, shared by the process's threads (under ASGI each request runs on a
    thread of its own, so a connection per thread would never be reused); one thread uses one at a time."""

    def __init__(self):
        self._lock = threading.Lock()
        self._idle: dict[tuple[str, str, int], list[tuple[float, http.client.HTTPConnection]]] = {}
        self._tls = None

    def take(self, scheme: str, host: str, port: int, timeout: float):
        """(a connection, whether it was used before)."""
        key, now = (scheme, host, port), time.monotonic()
        while True:
            with self._lock:
                idle = self._idle.get(key)
                since, conn = idle.pop() if idle else (None, None)
            if conn is None:
                break
            if now - since <= MAX_IDLE_SECONDS and not _closed_by_peer(conn):
                conn.timeout = timeout
                conn.sock.settimeout(timeout)
                return conn, True
            conn.close()
        if scheme == "https":
            if self._tls is None:
                self._tls = ssl.create_default_context()  # verifies the certificate and the host name
            return http.client.HTTPSConnection(host, port, timeout=timeout, context=self._tls), False
        return http.client.HTTPConnection(host, port, timeout=timeout), False

    def give_back(self, scheme: str, host: str, port: int, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault((scheme, host, port), [])
            if len(idle) < MAX_IDLE_CONNECTIONS:
                idle.append((time.monotonic(), conn))
                return
        conn.close()

    def forget(self) -> None:
        """In a forked child: the parent's sockets are not this process's to use."""
        self._lock = threading.Lock()
        self._idle = {}


def _closed_by_peer(conn: http.client.HTTPConnection) -> bool:
    """An idle keep-alive connection that is readable has been closed by the server (or sent junk)."""
    if conn.sock is None:
        return True
    with selectors.DefaultSelector() as selector:
        selector.register(conn.sock, selectors.EVENT_READ)
        return bool(selector.select(0))


_connections = _Connections()
os.register_at_fork(after_in_child=_connections.forget)


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

    def post(self, path: str, body: dict, max_bytes: int = MAX_RESPONSE_BYTES) -> dict:
        """POST `body` as JSON and return the JSON object answered (at most `max_bytes`); PortalUnavailable
        otherwise."""
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname or not self.secret:
            raise PortalUnavailable("not configured")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise PortalUnavailable("not configured") from None
        headers = {"Content-Type": "application/json", "Accept": "application/json",
                   "Authorization": miner_header(self.index, self.secret)}
        status, raw = self._exchange(parts.scheme, parts.hostname, port, parts.path + path,
                                     json.dumps(body).encode(), headers, max_bytes)
        if not 200 <= status < 300:
            raise PortalRefused(status)
        if len(raw) > max_bytes:
            raise PortalUnavailable("answer too large")
        try:
            answer = json.loads(raw)
        except ValueError:
            raise PortalUnavailable("answer is not JSON") from None
        if not isinstance(answer, dict):
            raise PortalUnavailable("answer is not a JSON object")
        return answer

    def _exchange(self, scheme, host, port, target, data, headers, max_bytes) -> tuple[int, bytes]:
        """(status, at most `max_bytes` + 1 bytes of the body) over a kept or a new connection."""
        conn, reused = _connections.take(scheme, host, port, self.timeout)
        try:
            try:
                conn.request("POST", target, body=data, headers=headers)
            except OSError:
                if not reused:
                    raise
                # The kept connection failed before the request was out: nothing reached the portal, so
                # sending it once more on a new connection cannot use a token twice.
                conn.close()
                conn, reused = _connections.take(scheme, host, port, self.timeout)[0], False
                conn.request("POST", target, body=data, headers=headers)
            response = conn.getresponse()
            raw = response.read(max_bytes + 1)
        except TimeoutError:
            conn.close()
            raise PortalUnavailable("timeout") from None
        except (OSError, http.client.HTTPException):
            # OSError: refused, reset, TLS; HTTPException: not an HTTP answer. Neither text is passed on.
            conn.close()
            raise PortalUnavailable("unreachable") from None
        if response.isclosed() and not response.will_close:
            _connections.give_back(scheme, host, port, conn)
        else:
            conn.close()  # a body left unread (too large) or a server that closes: not reusable
        return response.status, raw

    def verify_token(self, token: str, period: int, form: str) -> dict:
        return self.post(VERIFY_PATH, {"token": token, "period": period, "form": form})

    def verify_tokens(self, checks: list[dict]) -> list[dict]:
        """The portal's answer to each check ({token, period, form}), in order: one request, the single form
        for one check, `{"tokens": [...]}` for more (docs/api.md section 1). Each answer is a JSON object,
        its contract not yet checked."""
        if len(checks) == 1:
            return [self.post(VERIFY_PATH, checks[0])]
        results = self.post(VERIFY_PATH, {"tokens": checks}, MAX_RESPONSE_BYTES * len(checks)).get("results")
        if (not isinstance(results, list) or len(results) != len(checks)
                or not all(isinstance(result, dict) for result in results)):
            raise PortalUnavailable("answer is not one object per check")
        return results

    def push_progress(self, run_id: str, body: dict) -> dict:
        return self.post(f"/api/miner/runs/{run_id}/progress", body)

    def push_outputs(self, run_id: str, body: dict) -> dict:
        return self.post(f"/api/miner/runs/{run_id}/outputs", body)
