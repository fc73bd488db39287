"""Serve the peer endpoint with uvicorn in a background thread of this process.

For the tests, the benchmark and a miner process that runs the protocol itself: the run's
thread and the served links then share one process (see node.py).  Loopback by default.
"""

from __future__ import annotations

import asyncio
import socket
import threading

import uvicorn
from channels.routing import ProtocolTypeRouter, URLRouter

from .consumer import PEER_PATH, peer_websocket_urlpatterns, uvicorn_options

START_SECONDS = 10.0


def listen_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A bound socket for the server, so its URL is known before the node is built."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"ws://{host}:{port}/{PEER_PATH}"


class PeerServer:
    """uvicorn serving only /peer/ws for `node`; `url` is ready once the constructor returns."""

    def __init__(self, node, sock: socket.socket | None = None):
        app = ProtocolTypeRouter({"websocket": URLRouter(peer_websocket_urlpatterns(node))})
        self._sock = sock or listen_socket()
        config = uvicorn.Config(app, log_level="warning", lifespan="off",
                                **uvicorn_options())
        self._server = uvicorn.Server(config)
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"peer-server-{node.index}")
        self._thread.start()
        if not self._started.wait(START_SECONDS) or not self._server.started:
            self.stop()
            raise RuntimeError("the peer server did not start")
        self.url = url_of(self._sock)

    def _run(self) -> None:
        async def main():
            serving = asyncio.ensure_future(self._server.serve(sockets=[self._sock]))
            while not self._server.started and not serving.done():
                await asyncio.sleep(0.005)
            self._started.set()
            await serving

        try:
            asyncio.run(main())
        finally:
            self._started.set()

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
