"""A handshake with one peer and nothing after it: the doctor's proof that peer j is reachable on its channel
and holds the key this miner pinned (1 round trip: HELLO -> REPLY -> CONFIRM -> READY, then close).

Only the lower index dials (node.py), so a miner can probe the peers above it; a peer below it proves the
same from its own side. The probe's run id is random: the served side's registry drops the unclaimed link."""

from __future__ import annotations

import asyncio
import secrets
import time

from mpc_engine.transport.framing import RUN_ID_BYTES, PeerTimeout

from .node import HANDSHAKE_SECONDS, PeerNode


def dials(node: PeerNode, j: int) -> bool:
    """Whether this miner opens the channel to peer j (it then can probe it)."""
    return j > node.index


def probe(node: PeerNode, j: int, timeout: float = HANDSHAKE_SECONDS) -> float:
    """Seconds one authenticated handshake with peer j took, all within `timeout`. Raises what a run's dial
    raises: PeerTimeout when j cannot be reached or does not finish in `timeout`, HandshakeError
    (VersionMismatch: both versions named) when it answers with another key, version or a refusal."""
    if not dials(node, j):
        raise ValueError(f"miner {node.index} does not dial miner {j}")

    keys = node.current_keys()  # this miner's key and the peers' accepted keys, now (blocking: off the loop)

    async def handshake() -> float:
        started = time.monotonic()
        ws = await node._connect(j, started + timeout, timeout)
        try:
            await asyncio.wait_for(node._authenticate(ws, j, secrets.token_bytes(RUN_ID_BYTES), keys),
                                   max(started + timeout - time.monotonic(), 0.1))
        except TimeoutError:
            raise PeerTimeout(f"miner {j} did not finish the handshake within {timeout:g} s") from None
        finally:
            await ws.close()
        return time.monotonic() - started

    # the connect and the handshake share `timeout`; the margin covers closing the connection
    return asyncio.run_coroutine_threadsafe(handshake(), node.loop()).result(timeout + 2)
