"""Checks over the network: the portal accepts this miner's secret; each peer answers, runs this protocol
version, holds the pinned key (an authenticated handshake where this miner dials it); clocks agree."""

import json
import re
import ssl
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from email.utils import parsedate_to_datetime

from django.conf import settings
from django.db import connections

from consortium.contract import credentials, keys
from miners.identity.calls import cleartext_refused
from miners.identity.keys import NoIdentity, own_public_key
from miners.peering import HandshakeError, VersionMismatch
from miners.peering import configured as peering
from miners.peering.probe import dials, probe
from miners.peering.secure import PROTOCOL_VERSION
from miners.pins.store import peer as pinned_peer
from mpc_engine.transport.framing import PeerTimeout

from .result import ok, problem, warning

TIMEOUT_SECONDS = 3.0  # per socket operation of one HTTP request (connect, then each read)
PEER_SECONDS = 5.0  # one peer's checks in all: its health, then the handshake in what is left (1 s at least)
SKEW_WARN_SECONDS = 5.0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def get(url: str, headers: dict | None = None, cafile: str = "",
        timeout: float = TIMEOUT_SECONDS) -> tuple[int, float | None, dict | None]:
    """(status, the answer's clock minus ours in seconds or None, its JSON body or None). Verified https, no
    redirects, bounded; OSError subclasses when nothing answered."""
    context = ssl.create_default_context(cafile=cafile or None)
    opener = urllib.request.build_opener(_NoRedirect, urllib.request.HTTPSHandler(context=context))
    if not url.startswith(("https://", "http://")):
        raise OSError("not an http(s) URL")
    request = urllib.request.Request(url, headers=headers or {}, method="GET")  # noqa: S310 - http(s) above
    sent = time.time()
    try:
        response = opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        response = exc
    with response:
        body = response.read(64 * 1024)
        status, date = response.status, response.headers.get("Date")
    skew = None
    if date:
        try:
            skew = parsedate_to_datetime(date).timestamp() - (sent + time.time()) / 2
        except (TypeError, ValueError):
            skew = None
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    return status, skew, parsed if isinstance(parsed, dict) else None


def clock(who: str, skew: float | None) -> str | None:
    """A warning line when `who`'s clock is off by more than SKEW_WARN_SECONDS (Date has 1 s resolution)."""
    if skew is not None and abs(skew) > SKEW_WARN_SECONDS:
        return (f"{who}'s clock differs from this one by {skew:+.0f} s: set both to NTP time (receipts, "
                "expiries and the run's time-outs compare times)")
    return None


def portal():
    index, url = settings.MINER_INDEX, settings.PORTAL_URL
    if not url:
        return problem("portal", "PORTAL_URL is not set: set it to the portal's https:// address")
    if not settings.PORTAL_SECRET:
        return problem("portal", f"PORTAL_SECRET is not set: set it to the portal's MINER_{index}_SECRET "
                                 "(ask the portal's staff)")
    if refused := cleartext_refused(url):
        return problem("portal", f"PORTAL_URL: {refused}")
    header = credentials.miner_header(index, settings.PORTAL_SECRET or "")
    try:
        status, skew, body = get(url + "/api/miner/hello", {"Authorization": header})
    except (OSError, ssl.SSLError) as exc:
        return problem("portal", f"the portal at PORTAL_URL ({url or 'not set'}) does not answer "
                                 f"({type(exc).__name__}): check PORTAL_URL, the network and its certificate")
    if status == 401:
        return problem("portal", "the portal refuses this miner's secret: PORTAL_SECRET must equal the "
                                 f"portal's MINER_{index}_SECRET (ask the portal's staff)")
    if status != 200:
        return problem("portal", f"the portal answered HTTP {status} to /api/miner/hello: check PORTAL_URL "
                                 "and the portal's version")
    key = _portal_key(body)
    if key:
        return key
    skewed = clock("the portal", skew)
    if skewed:
        return warning("portal", skewed)
    return ok("portal", f"{url} accepts this miner's secret and has its key pinned")


def _portal_key(hello: dict | None):
    """A line when the portal pins no key or another key for this miner (a portal that does not say
    `key_fingerprint` is not checked)."""
    if not hello or "key_fingerprint" not in hello:
        return None
    theirs = hello["key_fingerprint"]
    try:
        own = keys.fingerprint(own_public_key())
    except NoIdentity:
        return None  # the configuration check says so
    if theirs != own and hello.get("pending_fingerprint") == own:
        return warning("portal", f"the portal's staff have not yet approved this miner's registration "
                                 f"(fingerprint {own}): ask them to approve it in admin, Miner registrations")
    if theirs is None:
        return warning("portal", "the portal has no key of this miner yet: run `manage.py "
                                 "register_with_portal`, then ask the portal's staff to approve it in admin")
    if theirs != own:
        return problem("portal", f"the portal has another key pinned for this miner ({shown(theirs)}; this "
                                 f"miner's is {own}): after a rotation, `manage.py rotate_identity "
                                 "--resend`; "
                                 "otherwise `manage.py register_with_portal` and ask its staff to approve")
    return None


def _name(j: int) -> str:
    return f"peer miner {j + 1} (index {j})"


def peer(node, j: int):
    """Peer j: its health (version, fingerprint against the key pinned here, clock), then a handshake."""
    started = time.monotonic()
    who, url = _name(j), pinned_peer(j).url
    pinned = keys.fingerprint(keys.encode_public_key(node.peers[j].public_key))
    try:
        status, skew, health = get(url + "/api/health", cafile=settings.MINER_PEER_CA_FILE,
                                   timeout=PEER_SECONDS / 2)
    except (OSError, ssl.SSLError) as exc:
        return problem(who, f"{url} does not answer ({type(exc).__name__}): ask its host whether it runs, "
                            f"or correct MINER_PEER_{j}_URL")
    if status != 200 or health is None:
        return problem(who, f"{url}/api/health answered HTTP {status}: ask its host, or correct "
                            f"MINER_PEER_{j}_URL")
    theirs = health.get("peer_protocol")
    if theirs is not None and theirs != PROTOCOL_VERSION:
        theirs = theirs if isinstance(theirs, int) else "(malformed)"
        return problem(who, f"it speaks peer protocol version {theirs}, this miner version "
                            f"{PROTOCOL_VERSION}: the hosts upgrade to the same version (docs/deployment.md, "
                            "Upgrades)")
    if health.get("key_fingerprint") != pinned:
        presented = shown(health.get("key_fingerprint")) if health.get("key_fingerprint") else "(none)"
        return problem(who, f"it presents the key {presented}, not the pinned {pinned}: compare "
                            "fingerprints with its host by phone before changing anything")
    mine = _pinned_here_by(health, j)
    if mine:
        return mine
    if dials(node, j):
        try:
            seconds = probe(node, j, timeout=max(PEER_SECONDS - (time.monotonic() - started), 1.0))
        except VersionMismatch as exc:
            return problem(who, f"{exc}: the hosts upgrade to the same version (docs/deployment.md)")
        except (HandshakeError, PeerTimeout) as exc:
            return problem(who, f"the handshake failed: {exc}: check MINER_PEER_{j}_CHANNEL_URL and the "
                                "reverse proxy's /peer/ws route with its host")
        done = f"handshake in {seconds * 1000:.0f} ms with the pinned key"
    else:
        done = (f"key {pinned[:9]}... as pinned (miner {j + 1} dials this miner: its doctor checks the "
                "handshake)")
    skewed = clock(who, skew)
    if skewed:
        return warning(who, skewed)
    return ok(who, done)


def shown(fingerprint) -> str:
    """A fingerprint a peer or the portal sent, as a line may show it: its form, else "(malformed)" (a
    peer's text is never repeated into the report)."""
    if isinstance(fingerprint, str) and re.fullmatch(r"[0-9A-F]{4}( [0-9A-F]{4}){7}", fingerprint):
        return fingerprint
    return "(malformed)"


def _pinned_here_by(health: dict, j: int):
    """A problem when peer j's health says it pinned no key, or another key, for this miner (a peer that
    does not say `peer_keys` is not checked)."""
    theirs = health.get("peer_keys")
    if not isinstance(theirs, dict):
        return None
    try:
        own = keys.fingerprint(own_public_key())
    except NoIdentity:
        return None  # the configuration check says so
    pinned = theirs.get(str(settings.MINER_INDEX))
    if pinned is None:
        return problem(_name(j), f"it has not pinned this miner's key yet: ask its host to run `manage.py "
                                 f"add_peer {settings.MINER_URL or '<this miner URL>'} '{own}'`")
    if pinned != own:
        return problem(_name(j), f"it has pinned another key for this miner ({shown(pinned)}; this "
                                 f"miner's is {own}): after a rotation, `manage.py rotate_identity "
                                 "--resend`; otherwise ask its host to run add_peer with this miner's "
                                 "fingerprint")
    return None


def _peer_in_thread(node, j: int):
    """peer(node, j) on a pool thread: the pins it reads use that thread's connection, closed after."""
    try:
        return peer(node, j)
    except Exception as exc:  # noqa: BLE001 - a broken check is reported, never a traceback with values
        return problem(_name(j), f"the check itself failed ({type(exc).__name__}): report this to the "
                                 "project")
    finally:
        connections.close_all()


def peers() -> list:
    """One result per peer, the peers in parallel (each within PEER_SECONDS and a close); a node built for
    the checks and closed after them."""
    try:
        node = peering.build_node()
    except Exception as exc:  # noqa: BLE001 - NoIdentity, PeerSettingsError: their texts name settings only
        return [problem("peers", f"{exc}: the peer channel cannot start")]
    try:
        others = sorted(node.peers)
        with ThreadPoolExecutor(max_workers=max(len(others), 1)) as pool:
            return list(pool.map(lambda j: _peer_in_thread(node, j), others))
    finally:
        node.close()
