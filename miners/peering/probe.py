"""A handshake with one peer and nothing after it: the doctor's proof that peer j is reachable on its channel
and holds the key this miner pinned (1 round trip: HELLO -> REPLY -> CONFIRM -> READY, then close).

Only the lower index dials (node.py), so a miner can probe the peers above it; a peer below it proves the
same from its own side. The probe's run id is random: the served side's registry drops the unclaimed link."""

from __future__ import annotations

import asyncio
import secrets
import time

from mpc_engine.transport.framing import RUN_ID_BYTES

from .node import HANDSHAKE_SECONDS, PeerNode


def dials(node: PeerNode, j: int) -> bool:
    """Whether this miner opens the channel to peer j (it then can probe it)."""
    return j > node.index


def probe(node: PeerNode, j: int, timeout: float = HANDSHAKE_SECONDS) -> float:
    """Seconds one authenticated handshake with peer j took. Raises what a run's dial raises: PeerTimeout
    when j cannot be reached in `timeout`, HandshakeError (VersionMismatch: both versions named) when it
    answers with another key, another version or a refusal."""
    if not dials(node, j):
        raise ValueError(f"miner {node.index} does not dial miner {j}")

    async def handshake() -> float:
        started = time.monotonic()
        ws = await node._connect(j, started + timeout, timeout)
        try:
            await node._authenticate(ws, j, secrets.token_bytes(RUN_ID_BYTES))
        finally:
            await ws.close()
        return time.monotonic() - started

    return asyncio.run_coroutine_threadsafe(handshake(), node.loop()).result(timeout + HANDSHAKE_SECONDS)
