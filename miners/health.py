"""`GET /api/health` (docs/api.md section 5): this miner's index, version, key fingerprint, the SHA-256 of
the sharing library its version ships, and whether each peer's URL answers (checked in parallel, each
within MINER_PEER_HEALTH_TIMEOUT_SECONDS, at most one question at a time per peer, an answer reused for
2 s; the URLs as pinned, miners/pins/)."""

import os
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import PackageNotFoundError, version
from urllib.parse import urlsplit

from django.conf import settings

from consortium.contract import keys, library
from miners.identity.keys import NoIdentity, own_public_key
from miners.peering.secure import PROTOCOL_VERSION
from miners.pins.store import peers as pinned_peers


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def project_version() -> str:
    try:
        return version("consortium-mpc")
    except PackageNotFoundError:  # pragma: no cover - run from a checkout that was never installed
        return "unknown"


def peer_state(url: str) -> str:
    """"ok" when the peer's `/healthz` answers 200 in time, else "unreachable" (or "not_configured")."""
    return _recent.state(url, _asked)


def _asked(url: str) -> str:
    if urlsplit(url).scheme not in ("http", "https"):
        return "not_configured"
    request = urllib.request.Request(url + "/healthz", method="GET")  # noqa: S310 - http(s) only, above
    try:
        with _opener.open(request, timeout=settings.MINER_PEER_HEALTH_TIMEOUT_SECONDS) as response:
            return "ok" if response.status == 200 else "unreachable"
    except (urllib.error.URLError, TimeoutError, OSError, ValueError):
        return "unreachable"


class RecentStates:
    """Each peer's state as last asked, for the calls of the next MAX_AGE seconds.

    `GET /api/health` is public: without this, each call would send two requests and, with a silent peer,
    hold a web thread for MINER_PEER_HEALTH_TIMEOUT_SECONDS. Now one call at a time asks a peer; the calls
    meanwhile answer the previous state (the first ever waits for the answer with the asking one).
    """

    MAX_AGE = 2.0

    def __init__(self):
        self._lock = threading.Lock()
        self._known: dict[str, tuple[float, str]] = {}  # url -> (when asked, state)
        self._asking: dict[str, threading.Event] = {}

    def state(self, url: str, ask) -> str:
        with self._lock:
            known, asking = self._known.get(url), self._asking.get(url)
            if known is not None and (asking is not None or time.monotonic() - known[0] < self.MAX_AGE):
                return known[1]
            if asking is None:
                asking = self._asking[url] = threading.Event()
                mine = True
            else:
                mine = False
        if not mine:  # the first call ever for this peer: wait with the one asking
            asking.wait(settings.MINER_PEER_HEALTH_TIMEOUT_SECONDS + 1)
            with self._lock:
                known = self._known.get(url)
            return known[1] if known is not None else "unreachable"
        state = "unreachable"
        try:
            state = ask(url)
        finally:
            with self._lock:
                self._known[url] = (time.monotonic(), state)
                del self._asking[url]
            asking.set()
        return state


_recent = RecentStates()
# A forked child (a server's worker) asks afresh rather than wait on its parent's question.
os.register_at_fork(after_in_child=_recent.__init__)


def fingerprint() -> str:
    try:
        return keys.fingerprint(own_public_key())
    except NoIdentity:
        return ""


def health() -> dict:
    peers = sorted(pinned_peers().items())
    with ThreadPoolExecutor(max_workers=max(len(peers), 1)) as pool:
        states = list(pool.map(peer_state, [peer.url for _j, peer in peers]))
    key = fingerprint()
    ok = bool(key) and all(state == "ok" for state in states)
    return {"status": "ok" if ok else "degraded", "miner_index": settings.MINER_INDEX,
            "peers": {str(j): state for (j, _peer), state in zip(peers, states, strict=True)},
            "version": project_version(), "key_fingerprint": key, "peer_protocol": PROTOCOL_VERSION,
            # the keys this miner accepts as its peers' (fingerprints of public keys): a peer's doctor checks
            # that this miner pinned its key
            "peer_keys": {str(j): keys.fingerprint(peer.public_key) if peer.public_key else None
                          for j, peer in peers},
            # read on each call (9 KB): the answer names the file that is there now, not at start-up
            "sharing_library_sha256": library.shipped_sha256()}
