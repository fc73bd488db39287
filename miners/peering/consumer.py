"""The served side of the peer channel: a Channels consumer at /peer/ws.

It runs the responder's handshake and hands the authenticated link to the node's registry,
where the local run claims it.  The consumer uses no channel layer: the protocol's bulk data
stays on this socket (PROTOCOLS.md 7: relaying it through Redis costs 7x in latency).

Route it outside `AllowedHostsOriginValidator`: a peer is no browser, sends no Origin, and is
authenticated by the handshake instead.  Serve it with per-message deflate off and a message
size limit just over one record (`uvicorn_options`).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time

from channels.generic.websocket import AsyncWebsocketConsumer
from django.urls import path

from mpc_engine.transport.framing import ProtocolError

from .link import PeerLink, parse_resume, resume_message
from .node import HANDSHAKE_SECONDS
from .secure import HandshakeError
from .transport import MAX_RECORD_BYTES

logger = logging.getLogger(__name__)

PEER_PATH = "peer/ws"
REFUSED_CLOSE_CODE = 4403


# Connections at once: a miner has two peers (and a resumption each); a flood of strangers is answered 503
# instead of using up the process's files. Only the peers' addresses should reach it at all (firewall).
MAX_CONNECTIONS = 32


def uvicorn_options() -> dict:
    """The websocket settings of the server that serves the peer endpoint (also as CLI flags:
    --ws-max-size 1114168 --ws-per-message-deflate false --limit-concurrency 32)."""
    return {"ws_max_size": MAX_RECORD_BYTES, "ws_per_message_deflate": False,
            "limit_concurrency": MAX_CONNECTIONS}


class PeerConsumer(AsyncWebsocketConsumer):
    node = None  # the PeerNode, set with as_asgi(node=...)
    channel_layer_alias = "peer-channel-has-no-layer"  # an alias nobody configures: no layer

    def __init__(self, *args, node=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.node = node

    async def connect(self):
        # off the loop: the node may be built now, and the keys it accepts come from the database (pins)
        try:
            # in a fresh context: Django keeps its database connections in context-local storage, and
            # this task's context may be a copy of the thread's that started the server (the worker's
            # main thread, whose connection the run is using): never share that connection
            self._responder = await asyncio.get_running_loop().run_in_executor(
                None, contextvars.Context().run, self._new_responder)
        except Exception:
            logger.exception("the peer channel cannot answer a connection")
            raise
        self._link: PeerLink | None = None
        self._gen = 0
        self._resuming: tuple[PeerLink, int] | None = None  # (link, generation) until RESUME arrives
        await self.accept()
        # a stranger that connects and says nothing is not kept around
        self._timer = asyncio.get_running_loop().call_later(
            HANDSHAKE_SECONDS, lambda: asyncio.ensure_future(self._give_up()))

    async def receive(self, text_data=None, bytes_data=None):
        if self._link is not None:
            self._link.feed(bytes_data if bytes_data is not None else text_data, self._gen)
            return
        try:
            if self._resuming is not None:
                await self._resume(bytes_data)
                return
            if self._responder.run_id is None:
                await self.send(bytes_data=self._responder.on_hello(bytes_data))
                self._replied = time.monotonic()
                return
            ready, session = self._responder.on_confirm(bytes_data)
            self.node.round_trip(session.peer, time.monotonic() - self._replied)
        except HandshakeError as exc:
            await self._refuse(exc)
            return
        except ProtocolError as exc:  # a malformed resume message
            logger.warning("peer resumption refused: %s", exc)
            await self.close(code=REFUSED_CLOSE_CODE)
            return
        existing = self.node.registry.find(session.run_id, session.peer)
        if existing is not None:  # the peer dialed again after a drop: carry on where we were
            gen, expected = existing.begin_resume()
            self._resuming = (existing, gen)
            await self.send(bytes_data=ready)
            await self.send(bytes_data=resume_message(expected))
            return
        self._timer.cancel()
        await self.send(bytes_data=ready)
        link = PeerLink(session, asyncio.get_running_loop(), self._send_record, self.close,
                        max_inbound_bytes=self.node.max_inbound_bytes,
                        reconnect_timeout=self.node.reconnect_timeout)
        self._link = link  # before any await: the next record must reach the link
        if not self.node.registry.offer(session.run_id, session.peer, link):
            logger.warning("miner %s opened a second link for the same run: refused", session.peer)
            self._link = None
            await self.close(code=REFUSED_CLOSE_CODE)

    def _new_responder(self):
        from django.db import connections

        try:
            return self.node.responder()
        finally:
            connections.close_all()  # this context's own connections: nobody will use them again

    async def _resume(self, message) -> None:
        link, gen = self._resuming
        self._resuming = None
        if link.resume(gen, self._send_record, self.close, parse_resume(message, link.peer)):
            self._timer.cancel()
            self._link, self._gen = link, gen
        else:
            await self.close(code=REFUSED_CLOSE_CODE)

    async def _send_record(self, record: bytes) -> None:
        await self.send(bytes_data=record)

    async def _refuse(self, exc: HandshakeError) -> None:
        logger.warning("peer handshake refused: %s", exc)  # the message names a miner, no secret
        if self._responder.claimed in (0, 1, 2):
            self.node.registry.note_refusal(self._responder.claimed, str(exc))
        self._timer.cancel()
        await self.send(bytes_data=self._responder.refusal_for(exc))
        await self.close(code=REFUSED_CLOSE_CODE)

    async def _give_up(self) -> None:
        if self._link is None:
            await self.close(code=REFUSED_CLOSE_CODE)

    async def disconnect(self, code):
        timer = getattr(self, "_timer", None)
        if timer is not None:
            timer.cancel()
        link = getattr(self, "_link", None)
        if link is not None:
            link.connection_lost(self._gen, f" (close code {code})")


class RefusingConsumer(AsyncWebsocketConsumer):
    """Any websocket path a miner does not serve: closed at once, quietly."""

    channel_layer_alias = PeerConsumer.channel_layer_alias

    async def connect(self):
        await self.close(code=REFUSED_CLOSE_CODE)


def peer_websocket_urlpatterns(node) -> list:
    """The route to add to the miner's websocket URLRouter (outside the origin validator)."""
    return [path(PEER_PATH, PeerConsumer.as_asgi(node=node))]
