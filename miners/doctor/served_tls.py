"""The TLS certificates the portal and the peers serve: when each expires, for every https:// or wss:// URL
this miner uses (PORTAL_URL, each peer's URL and channel URL; one check per host and port).

Only the expiry date is read: the connection is a bare TLS handshake that sends nothing, so it does not
verify the chain (the portal and peer checks do, and say so when it fails). That way an expired
certificate is named as expired here, where those checks can only say the connection failed."""

import socket
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from urllib.parse import urlsplit

from cryptography import x509
from django.conf import settings

from miners.peering.configured import channel_url
from miners.pins.store import peers_or_settings

from .local import CERTIFICATE_WARN_DAYS
from .result import Result, ok, problem, skipped, warning

TIMEOUT_SECONDS = 3.0
TLS_SCHEMES = {"https": 443, "wss": 443}


def _endpoint(url: str) -> tuple[str, int] | None:
    """(host, port) of an https:// or wss:// URL, else None."""
    parts = urlsplit(url or "")
    if parts.scheme not in TLS_SCHEMES or not parts.hostname:
        return None
    try:
        return parts.hostname, parts.port or TLS_SCHEMES[parts.scheme]
    except ValueError:  # a port that is not a number: the portal / peer checks name the setting
        return None


def endpoints() -> list[tuple[str, str, int]]:
    """(who, host, port) to look at, once each: the portal, then each peer's site and channel."""
    wanted = [("the portal", settings.PORTAL_URL)]
    for j, peer in peers_or_settings().items():
        who = f"peer miner {j + 1} (index {j})"
        wanted.append((who, peer.url))
        if peer.channel_url:
            wanted.append((f"{who}'s channel", peer.channel_url))
        elif peer.url.startswith("https://"):
            wanted.append((f"{who}'s channel", channel_url(peer.url)))
    seen, found = set(), []
    for who, url in wanted:
        where = _endpoint(url)
        if where and where not in seen:
            seen.add(where)
            found.append((who, *where))
    return found


def served_certificate(host: str, port: int) -> x509.Certificate:
    """The leaf certificate `host:port` presents (SNI = host), in about TIMEOUT_SECONDS. OSError/ssl.SSLError
    when no TLS server answers; ValueError when what it sends is no certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the date is all that is read; nothing is sent or trusted
    deadline = time.monotonic() + TIMEOUT_SECONDS
    with socket.create_connection((host, port), timeout=TIMEOUT_SECONDS) as raw:
        raw.settimeout(max(deadline - time.monotonic(), 0.1))  # the connect and the handshake share the bound
        with context.wrap_socket(raw, server_hostname=host) as tls:
            der = tls.getpeercert(binary_form=True)
    if not der:
        raise ValueError("no certificate")
    return x509.load_der_x509_certificate(der)


def check(who: str, host: str, port: int, now: datetime | None = None) -> Result:
    name = f"TLS certificate of {who}"
    try:
        ends = served_certificate(host, port).not_valid_after_utc
    except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
        return skipped(name, f"{host}:{port} did not complete a TLS handshake ({type(exc).__name__}): "
                             "its own check above says why")
    now = now or datetime.now(UTC)
    days = (ends - now).total_seconds() / 86400
    if days <= 0:
        return problem(name, f"{host}:{port} serves a certificate that expired on {ends:%Y-%m-%d}: ask its "
                             "host to renew it now (connections to it fail)")
    if days < CERTIFICATE_WARN_DAYS:
        return warning(name, f"{host}:{port} serves a certificate that expires on {ends:%Y-%m-%d} (in "
                             f"{days:.0f} days): ask its host to renew it")
    return ok(name, f"{host}:{port} valid until {ends:%Y-%m-%d}")


def certificates() -> list[Result]:
    """One result per https/wss endpoint, looked at in parallel; none when every URL is plain http (a test
    or loopback set-up)."""
    found = endpoints()  # the pins are read here, on the caller's thread: the pool threads touch no database
    if not found:
        return []
    with ThreadPoolExecutor(max_workers=len(found)) as pool:
        return list(pool.map(lambda endpoint: check(*endpoint), found))
