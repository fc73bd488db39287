"""This miner process's peer node, built from its settings, and where the node is served.

A run's protocol runs in the process that serves /peer/ws (node.py explains why), so:

* embedded default (no broker, CELERY_TASK_ALWAYS_EAGER): runs execute on a thread of the ASGI
  process, and that process serves /peer/ws itself (`asgi_routes`, used by consortium/asgi.py);
* with Celery: the worker executes the runs, one at a time (`--pool solo`), and serves /peer/ws on
  MINER_PEER_LISTEN (`serve_in_worker`, on Celery's `worker_init`); the reverse proxy routes the
  miner's /peer/ws there, or MINER_PEER_<j>_CHANNEL_URL names that address directly.

Dialed peers: MINER_PEER_<j>_CHANNEL_URL, by default the peer's base URL with ws(s):// and /peer/ws.
wss:// certificates are checked against the system's CAs, or MINER_PEER_CA_FILE.
"""

from __future__ import annotations

import logging
import ssl
import threading
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

from miners import metrics

from .consumer import PEER_PATH

logger = logging.getLogger(__name__)

_node = None
_server = None
_lock = threading.Lock()


class PeerSettingsError(Exception):
    """A setting the peer channel needs is missing or wrong; str() names it, never a key."""


def channel_url(base_url: str) -> str:
    """https://m1.example.org -> wss://m1.example.org/peer/ws (http -> ws)."""
    parts = urlsplit(base_url)
    scheme = {"https": "wss", "http": "ws"}.get(parts.scheme)
    if scheme is None or not parts.netloc:
        raise PeerSettingsError(f"{base_url!r} is not an http(s):// base URL")
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") + "/" + PEER_PATH, "", ""))


def peer_channel_urls() -> dict[int, str]:
    """index -> the URL this miner dials (or would dial) to reach that peer's /peer/ws (pinned, else
    MINER_PEER_<j>_CHANNEL_URL / _URL)."""
    from miners.pins.store import peers_or_settings as peers

    urls = {}
    for j, peer in peers().items():
        if peer.channel_url:
            urls[j] = peer.channel_url
        elif peer.url:
            urls[j] = channel_url(peer.url)
        else:
            raise PeerSettingsError(f"MINER_PEER_{j}_URL is not set (or run `manage.py add_peer`)")
    return urls


def current_keys():
    """This miner's key now (the file is read again: a rotation replaces it) and, per peer, the keys it
    accepts now (miners.pins: the pinned one, and the replaced one during its grace period)."""
    from miners.identity.keys import signing_key
    from miners.pins.store import peers_or_settings as peers

    from .secure import parse_public_key

    accepted = {}
    for j, peer in peers().items():
        try:
            accepted[j] = tuple(parse_public_key(key, f"miner {j}") for key in peer.accepted_keys())
        except ValueError as exc:
            raise PeerSettingsError(f"{peer.key_source()}: {exc}") from None
        if not accepted[j]:
            raise PeerSettingsError(f"{peer.key_source()}: no public key (run `manage.py add_peer`)")
    return signing_key(), accepted


def client_ssl_context() -> ssl.SSLContext | None:
    """The context that checks the peers' wss:// certificates: MINER_PEER_CA_FILE, else the system's."""
    if not settings.MINER_PEER_CA_FILE:
        return None  # websockets then uses the default context (system CAs, host name checked)
    return ssl.create_default_context(cafile=settings.MINER_PEER_CA_FILE)


def _on_own_thread(function):
    """function() on a thread of its own that closes its database connection after: the node may be
    built at a Celery worker's start, whose main thread's connection Celery manages per task."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def run():
        try:
            return function()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def build_node():
    """A new PeerNode from the settings (the identity key, the two peers' keys and channel URLs)."""
    from .node import PeerInfo, PeerNode

    urls, (identity, accepted) = _on_own_thread(lambda: (peer_channel_urls(), current_keys()))
    peers = {j: PeerInfo(url, accepted[j][0]) for j, url in urls.items()}
    node = PeerNode(settings.MINER_INDEX, identity, peers, ssl_context=client_ssl_context(),
                    reconnect_timeout=float(settings.MINER_PEER_RECONNECT_SECONDS), key_lookup=current_keys)
    node.on_round_trip = metrics.peer_round_trip
    return node


def process_node():
    """This process's PeerNode (built once, on first use)."""
    global _node
    with _lock:
        if _node is None:
            _node = build_node()
        return _node


def asgi_routes() -> list:
    """The ASGI process's websocket routes: /peer/ws when runs execute in it (the embedded default), and
    for any other path a consumer that closes the connection (not a traceback in the log per request).

    The consumer asks for the node at its first connection, so a miner whose settings are still
    incomplete serves its API (and its system checks say what is missing) instead of not starting."""
    from django.urls import path, re_path

    from .consumer import PeerConsumer, RefusingConsumer

    peer = []
    if settings.DEPLOYMENT_MODE == "miner" and settings.CELERY_TASK_ALWAYS_EAGER:
        peer = [path(PEER_PATH, PeerConsumer.as_asgi(node=_LazyNode()))]
    return [*peer, re_path(r"", RefusingConsumer.as_asgi())]


class _LazyNode:
    """Stands for `process_node()` until a peer first connects."""

    def __getattr__(self, name):
        return getattr(process_node(), name)


def listen_address() -> tuple[str, int]:
    """MINER_PEER_LISTEN "host:port" -> (host, port)."""
    value = settings.MINER_PEER_LISTEN
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise PeerSettingsError(f"MINER_PEER_LISTEN must be host:port, e.g. 127.0.0.1:8101 (got {value!r})")
    return host.strip("[]"), int(port)


def serve_in_worker() -> None:
    """Start serving /peer/ws in this (Celery worker) process on MINER_PEER_LISTEN, with TLS when
    MINER_PEER_TLS_CERT_FILE and MINER_PEER_TLS_KEY_FILE are set. Idempotent."""
    global _server
    from .server import PeerServer, listen_socket

    with _lock:
        if _server is not None:
            return
    if not settings.MINER_PEER_LISTEN:
        raise PeerSettingsError("MINER_PEER_LISTEN is not set: the worker that runs the protocol must "
                                "serve /peer/ws (e.g. MINER_PEER_LISTEN=127.0.0.1:8101)")
    host, port = listen_address()
    tls = {}
    if settings.MINER_PEER_TLS_CERT_FILE or settings.MINER_PEER_TLS_KEY_FILE:
        tls = {"ssl_certfile": settings.MINER_PEER_TLS_CERT_FILE,
               "ssl_keyfile": settings.MINER_PEER_TLS_KEY_FILE}
    server = PeerServer(process_node(), listen_socket(host, port), **tls)
    with _lock:
        _server = server
    logger.info("serving the peer channel on %s:%s (%s)", host, port, "wss" if tls else "ws")


def stop() -> None:
    """Stop the worker's server and the node's loop (process exit, tests)."""
    global _node, _server
    with _lock:
        node, server, _node, _server = _node, _server, None, None
    if server is not None:
        server.stop()
    if node is not None:
        node.close()
