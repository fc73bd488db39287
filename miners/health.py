"""`GET /api/health` (docs/api.md section 5): this miner's index, version, key fingerprint, the SHA-256 of
the sharing library its version ships, and whether each peer's URL answers (checked in parallel, each
within MINER_PEER_HEALTH_TIMEOUT_SECONDS; the URLs as pinned, miners/pins/)."""

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
    if urlsplit(url).scheme not in ("http", "https"):
        return "not_configured"
    request = urllib.request.Request(url + "/healthz", method="GET")  # noqa: S310 - http(s) only, above
    try:
        with _opener.open(request, timeout=settings.MINER_PEER_HEALTH_TIMEOUT_SECONDS) as response:
            return "ok" if response.status == 200 else "unreachable"
    except (urllib.error.URLError, TimeoutError, OSError, ValueError):
        return "unreachable"


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
