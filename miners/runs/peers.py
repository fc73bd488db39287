"""The seam between a run and the peer channel: how this miner's party reaches the two others.

`connect_peers(run_id, index) -> mpc_engine.transport.base.Transport` is chosen by the setting
MINER_CONNECT_PEERS (a dotted path). The encrypted, authenticated websocket channel (miners/peering/)
will provide one; until it is configured, `no_peer_channel` refuses, so a run fails with that reason
instead of computing with anything less. Tests plug in mpc_engine's LocalTransport (three miners in
one process).
"""

from __future__ import annotations

import uuid
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from mpc_engine.transport.base import Transport


class ConnectPeers(Protocol):
    def __call__(self, run_id: str, index: int) -> Transport:
        """This miner's (`index`) end of the links to the two others for run `run_id` (a UUID string), its
        frames tagged with `transport_run_id(run_id)` and its receive time-out MINER_PEER_TIMEOUT_SECONDS.
        The worker calls `setup_keys()` on a Party over it, and `close()` when the run ends."""


def transport_run_id(run_id: str) -> bytes:
    """The 16 bytes that tag every frame of this run on the wire (mpc_engine framing)."""
    return uuid.UUID(run_id).bytes


class NoPeerChannel(Exception):
    """No way to reach the peers is configured."""


def no_peer_channel(run_id: str, index: int) -> Transport:
    raise NoPeerChannel("the peer channel is not configured on this miner (MINER_CONNECT_PEERS)")


def configured() -> ConnectPeers:
    return import_string(settings.MINER_CONNECT_PEERS)
