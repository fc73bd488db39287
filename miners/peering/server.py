"""Serve the peer endpoint with uvicorn on the node's own loop, inside this process.

For the tests, the benchmark and a miner process that runs the protocol itself: the run's
thread, the links it dials and the links it serves then share one process and one loop
(see node.py).  Loopback by default.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import socket

import uvicorn
from channels.routing import ProtocolTypeRouter, URLRouter

from .consumer import PEER_PATH, peer_websocket_urlpatterns, uvicorn_options

START_SECONDS = 10.0
STOP_SECONDS = 10.0


def listen_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A bound socket for the server, so its URL is known before the node is built."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"ws://{host}:{port}/{PEER_PATH}"


class PeerServer:
    """uvicorn serving only /peer/ws for `node`; listening once the constructor returns.

    `uvicorn_config` goes to `uvicorn.Config`, e.g. ssl_certfile / ssl_keyfile for wss:// when
    no reverse proxy terminates TLS in front of the miner.
    """

    def __init__(self, node, sock: socket.socket | None = None, **uvicorn_config):
        app = ProtocolTypeRouter({"websocket": URLRouter(peer_websocket_urlpatterns(node))})
        self._sock = sock or listen_socket()
        self.url = url_of(self._sock)
        options = {"log_level": "warning", "lifespan": "off", **uvicorn_options(), **uvicorn_config}
        config = uvicorn.Config(app, **options)
        self._server = uvicorn.Server(config)
        self._started: concurrent.futures.Future = concurrent.futures.Future()
        self._serving = asyncio.run_coroutine_threadsafe(self._serve(), node.loop())
        try:
            self._started.result(START_SECONDS)
        except BaseException:
            self.stop()
            raise RuntimeError("the peer server did not start") from None

    async def _serve(self) -> None:
        serving = asyncio.ensure_future(self._server.serve(sockets=[self._sock]))
        while not self._server.started and not serving.done():
            await asyncio.sleep(0.005)  # uvicorn has no "started" event to wait on
        if self._server.started:
            self._started.set_result(None)
        await serving
        if not self._started.done():
            self._started.set_exception(RuntimeError("uvicorn stopped before it started"))

    def stop(self) -> None:
        self._server.should_exit = True
        try:
            self._serving.result(STOP_SECONDS)
        except BaseException:  # noqa: S110 - stopping: a failed start was already reported
            pass
