"""One miner's end of the peer network: identity, peers, dialing, served links, runs.

Who dials: the lower index dials the higher (0 -> 1, 0 -> 2, 1 -> 2), so miner 0 only
dials, miner 2 only serves, and two miners never race to open the same pair twice; after a
drop, the same side dials again (link.py).  Served links land in the `LinkRegistry`, keyed
by (run id, peer), until the local run claims them; one nobody claims within
`UNCLAIMED_SECONDS` is closed.

Where the protocol runs: in the process that serves /peer/ws, because a served link lives on
that process's loop and cannot be handed to another process without relaying every message
(through Redis: ~7x the round trip, PROTOCOLS.md 7).  One `PeerNode` per miner process owns
one loop thread that carries the dialed links and (with `PeerServer`) the served endpoint;
the run itself blocks in a thread of its own (`open_run`, then the engine).  For Celery:
one worker process per miner with one run at a time (`--pool solo` or threads,
concurrency 1) starts the node and its `PeerServer` on the peer port when it boots, and the
reverse proxy routes /peer/ws (wss) to that port; the intake API stays in the ASGI process.
Django-free: the miner app passes its settings in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl as ssl_module
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from mpc_engine.transport.base import DEFAULT_TIMEOUT
from mpc_engine.transport.framing import RUN_ID_BYTES, PeerTimeout, ProtocolError

from .link import parse_resume, resume_message
from .secure import (
    PROTOCOL_VERSION,
    HandshakeError,
    Initiator,
    Responder,
    parse_private_key,
    parse_public_key,
)
from .transport import MAX_INBOUND_BYTES, MAX_RECORD_BYTES, PeerLink, PeerTransport

logger = logging.getLogger(__name__)

CONNECT_SECONDS = 30.0  # how long a run waits for both peers to connect
RECONNECT_SECONDS = 30.0  # how long a run waits for a peer whose connection dropped
HANDSHAKE_SECONDS = 10.0  # a connection that has not finished its handshake by then is dropped
UNCLAIMED_SECONDS = 120.0  # a served link no local run claims is closed after this


def _new_loop() -> asyncio.AbstractEventLoop:
    """uvloop when installed (uvicorn[standard] brings it, and serves on it too)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


@dataclass(frozen=True)
class PeerInfo:
    """A peer from configuration: where to dial it (if we dial it) and its identity key."""

    url: str
    public_key: Ed25519PublicKey


class LinkRegistry:
    """Served, authenticated links waiting for the local run, keyed by (run id, peer index)."""

    def __init__(self, unclaimed_seconds: float = UNCLAIMED_SECONDS):
        self.unclaimed_seconds = unclaimed_seconds
        self._links: dict[tuple[bytes, int], tuple[float, PeerLink]] = {}
        self._refusals: dict[int, str] = {}  # peer -> why its last attempt was refused (for the timeout)
        self._live: dict[tuple[bytes, int], PeerLink] = {}  # every link of a running run: for resumption
        self._cond = threading.Condition()

    def note_refusal(self, peer: int, reason: str) -> None:
        """Remember why a connection claiming to be `peer` was refused.  Unauthenticated, so it only
        explains a later timeout and never aborts a run by itself."""
        with self._cond:
            self._refusals[peer] = reason

    def offer(self, run_id: bytes, peer: int, link: PeerLink) -> bool:
        """False if that peer already has a link waiting for that run (the newcomer is refused)."""
        now = time.monotonic()
        with self._cond:
            stale = [k for k, (t, _) in self._links.items() if now - t > self.unclaimed_seconds]
            for key in stale:
                _, old = self._links.pop(key)
                old.loop.call_soon_threadsafe(lambda o=old: o.loop.create_task(o._close()))
            if (run_id, peer) in self._links:
                return False
            self._links[(run_id, peer)] = (now, link)
            self._track(run_id, peer, link)
            self._cond.notify_all()
            return True

    def track(self, run_id: bytes, peer: int, link: PeerLink) -> None:
        with self._cond:
            self._track(run_id, peer, link)

    def _track(self, run_id: bytes, peer: int, link: PeerLink) -> None:
        for key in [k for k, old in self._live.items() if old._ended or old._closing]:
            del self._live[key]
        self._live[(run_id, peer)] = link

    def find(self, run_id: bytes, peer: int) -> PeerLink | None:
        """The live link of `peer` for `run_id`, which a new connection from it resumes."""
        with self._cond:
            link = self._live.get((run_id, peer))
        return None if link is None or link._ended or link._closing else link

    def claim(self, run_id: bytes, peer: int, timeout: float, *, budget: float | None = None) -> PeerLink:
        """The link `peer` opened for `run_id`; PeerTimeout after `timeout` (the message says `budget`,
        the run's whole connect time, when given)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while (run_id, peer) not in self._links:
                left = deadline - time.monotonic()
                if left <= 0:
                    refused = self._refusals.get(peer)
                    # unauthenticated: anyone can claim to be that miner, so it only explains
                    note = f" (an unauthenticated attempt as it was refused: {refused})" if refused else ""
                    raise PeerTimeout(f"miner {peer} did not connect within {budget or timeout:g} s{note}")
                self._cond.wait(left)
            return self._links.pop((run_id, peer))[1]


# (own key, {peer: its accepted keys, current first}) as they are now: a rotation changes them while the
# node runs, so a node given this asks at each handshake (it may read a database: call it off the loop)
KeyLookup = Callable[[], tuple[Ed25519PrivateKey, dict[int, tuple[Ed25519PublicKey, ...]]]]


class PeerNode:
    """This miner's identity, its two peers, and the loop that carries the links it dials."""

    def __init__(self, index: int, identity: Ed25519PrivateKey, peers: Mapping[int, PeerInfo], *,
                 ssl_context: ssl_module.SSLContext | None = None,
                 max_inbound_bytes: int = MAX_INBOUND_BYTES, version: int = PROTOCOL_VERSION,
                 reconnect_timeout: float = RECONNECT_SECONDS, key_lookup: KeyLookup | None = None):
        if index not in (0, 1, 2) or set(peers) != {0, 1, 2} - {index}:
            raise ValueError(f"miner {index} needs exactly the two other miners as peers")
        self.index, self.identity, self.peers = index, identity, dict(peers)
        self.key_lookup = key_lookup
        self.ssl_context, self.max_inbound_bytes, self.version = ssl_context, max_inbound_bytes, version
        # how long a run waits for a peer whose connection dropped (0: fail at once); a node-wide
        # setting because a served link may drop before its run has claimed it
        self.reconnect_timeout = reconnect_timeout
        self.registry = LinkRegistry()
        self.on_round_trip = None  # optional callback(peer, seconds): each handshake's round trip (metrics)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._tasks: set[asyncio.Task] = set()

    @classmethod
    def from_config(cls, index: int, private_key_b64: str, peers: Mapping[int, tuple[str, str]],
                    **options) -> PeerNode:
        """From configuration strings: peers maps index -> (url, base64 public key)."""
        parsed = {j: PeerInfo(url, parse_public_key(key, f"miner {j}")) for j, (url, key) in peers.items()}
        return cls(index, parse_private_key(private_key_b64), parsed, **options)

    def round_trip(self, peer: int, seconds: float) -> None:
        """A handshake's round trip to `peer` (hello -> reply, or reply -> confirm when served)."""
        if self.on_round_trip is not None:
            self.on_round_trip(peer, seconds)

    def current_keys(self) -> tuple[Ed25519PrivateKey, dict[int, tuple[Ed25519PublicKey, ...]]]:
        """This miner's key and the keys it accepts from each peer, now (blocking: not on the loop)."""
        if self.key_lookup is not None:
            return self.key_lookup()
        return self.identity, {j: (p.public_key,) for j, p in self.peers.items()}

    def responder(self) -> Responder:
        identity, accepted = self.current_keys()
        return Responder(self.index, identity, accepted, self.version)

    # -- the run -----------------------------------------------------------------------
    def open_run(self, run_id: bytes, *, timeout: float = DEFAULT_TIMEOUT,
                 connect_timeout: float = CONNECT_SECONDS) -> PeerTransport:
        """Both authenticated links of run `run_id` as an engine transport (blocks).

        `timeout` is the per-chunk idle timeout of the run; `connect_timeout` bounds the wait for
        the peers to connect; a peer whose connection drops is waited for the node's
        `reconnect_timeout`.  Raises PeerTimeout / HandshakeError naming the peer.
        """
        if len(run_id) != RUN_ID_BYTES:
            raise ValueError(f"a run id has {RUN_ID_BYTES} bytes")
        loop = self.loop()
        keys = self.current_keys()
        deadline = time.monotonic() + connect_timeout
        dials = {j: asyncio.run_coroutine_threadsafe(
                     self._dial_outcome(j, run_id, deadline, connect_timeout, keys), loop)
                 for j in self.peers if j > self.index}
        links: dict[int, PeerLink] = {}
        try:
            for j in sorted(j for j in self.peers if j < self.index):
                links[j] = self.registry.claim(run_id, j, max(deadline - time.monotonic(), 0.0),
                                               budget=connect_timeout)
            for j, future in dials.items():
                outcome = future.result(max(deadline - time.monotonic(), 0.0) + HANDSHAKE_SECONDS)
                if isinstance(outcome, Exception):
                    raise outcome
                links[j] = outcome
        except BaseException:
            for j, future in dials.items():
                # cancel() is False only once done: a dial that succeeded is closed with the rest
                if j not in links and not future.cancel() and isinstance(future.result(0), PeerLink):
                    links[j] = future.result(0)
            for link in links.values():
                link.close()
            raise
        return PeerTransport(self.index, run_id, links, timeout)

    async def _dial_outcome(self, *args) -> PeerLink | Exception:
        """_dial's link, or its error returned rather than raised.

        open_run cancels the dials it stops waiting for; a dial that fails just then would end
        as a task whose error nobody reads: asyncio logs it at garbage collection ("never
        retrieved"), and on Python 3.11 that log line's traceback, formatted inside another
        ast.parse, breaks it (CPython gh-106905).
        """
        try:
            return await self._dial(*args)
        except Exception as exc:  # noqa: BLE001 - open_run raises it
            return exc

    async def _dial(self, j: int, run_id: bytes, deadline: float, budget: float, keys) -> PeerLink:
        ws = await self._connect(j, deadline, budget)
        try:
            session = await self._authenticate(ws, j, run_id, keys)
        except BaseException:
            await ws.close()
            raise
        loop = asyncio.get_running_loop()
        link = PeerLink(session, loop, ws.send, ws.close, max_inbound_bytes=self.max_inbound_bytes,
                        reconnect_timeout=self.reconnect_timeout)
        link.on_lost = lambda lost: self._spawn(self._redial(lost, j, run_id, keys))
        self.registry.track(run_id, j, link)
        self._spawn(self._pump(ws, link, 0))
        return link

    async def _connect(self, j: int, deadline: float, budget: float):
        peer, delay, last = self.peers[j], 0.02, "no attempt"
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise PeerTimeout(f"miner {j} at {peer.url} could not be reached within {budget:g} s "
                                  f"({last})")
            try:
                return await connect(peer.url, compression=None, max_size=MAX_RECORD_BYTES,
                                     open_timeout=min(left, HANDSHAKE_SECONDS),
                                     ssl=self._ssl_for(peer.url), user_agent_header=None)
            except (OSError, InvalidHandshake, TimeoutError) as exc:
                last = f"{type(exc).__name__}: {exc}"
                await asyncio.sleep(min(delay, max(left, 0)))
                delay = min(delay * 2, 0.5)

    def _ssl_for(self, url: str):
        return (self.ssl_context or True) if url.startswith("wss://") else None

    async def _authenticate(self, ws, j: int, run_id: bytes, keys):
        identity, accepted = keys
        hs = Initiator(self.index, j, run_id, identity, accepted[j], self.version)
        try:
            await ws.send(hs.hello())
            sent = time.monotonic()
            confirm = hs.on_reply(await asyncio.wait_for(ws.recv(), HANDSHAKE_SECONDS))
            self.round_trip(j, time.monotonic() - sent)
            await ws.send(confirm)
            return hs.on_ready(await asyncio.wait_for(ws.recv(), HANDSHAKE_SECONDS))
        except ConnectionClosed:
            raise HandshakeError(f"miner {j} closed the connection during the handshake") from None
        except TimeoutError:
            raise PeerTimeout(f"miner {j} did not finish the handshake within "
                              f"{HANDSHAKE_SECONDS:g} s") from None

    async def _redial(self, link: PeerLink, j: int, run_id: bytes, keys) -> None:
        """Dial a dropped peer again until it is back or the link gives up (link.py)."""
        deadline = time.monotonic() + link.reconnect_timeout
        while link.down and time.monotonic() < deadline:
            try:
                ws = await self._connect(j, deadline, link.reconnect_timeout)
            except PeerTimeout:
                return  # the link's own timer reports it
            try:
                await self._authenticate(ws, j, run_id, keys)
                gen, expected = link.begin_resume()
                await ws.send(resume_message(expected))
                peer_expects = parse_resume(await asyncio.wait_for(ws.recv(), HANDSHAKE_SECONDS), j)
                if link.resume(gen, ws.send, ws.close, peer_expects):
                    self._spawn(self._pump(ws, link, gen))
                    return
            except (ProtocolError, ConnectionClosed, TimeoutError, OSError) as exc:
                logger.warning("reconnecting to miner %s failed: %s", j, type(exc).__name__)
            await ws.close()

    def _spawn(self, coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _pump(ws, link: PeerLink, gen: int) -> None:
        detail = ""
        try:
            async for message in ws:
                link.feed(message, gen)
        except ConnectionClosed as exc:
            detail = f" (close code {exc.rcvd.code if exc.rcvd else 'none'})"
        finally:
            link.connection_lost(gen, detail)

    # -- the loop thread ---------------------------------------------------------------
    def loop(self) -> asyncio.AbstractEventLoop:
        """The loop (in a thread of its own) that carries this miner's peer links; started once."""
        with self._start_lock:
            if self._loop is None:
                self._loop = _new_loop()
                self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                                name=f"peer-node-{self.index}")
                self._thread.start()
            return self._loop

    def close(self) -> None:
        """Stop the loop that carries the dialed links (close the runs' transports first)."""
        with self._start_lock:
            loop, self._loop = self._loop, None
        if loop is None:
            return

        async def _cancel():
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(_cancel(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(5)
        loop.close()


