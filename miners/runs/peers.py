"""The seam between a run and the peer channel: how this miner's party reaches the two others.

`connect_peers(run_id, index) -> transport` is chosen by the setting MINER_CONNECT_PEERS (a dotted
path); the default, `websocket_peers`, opens the run on the encrypted, authenticated websocket channel
(miners/peering/). Tests plug in mpc_engine's LocalTransport (three miners in one process) with keys of
their own. Either way the transport gives the pairwise PRF keys: they are never sent as a message.
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
        The worker installs its `pairwise_keys()` on a Party over it and calls `close()` when the run ends."""


def transport_run_id(run_id: str) -> bytes:
    """The 16 bytes that tag every frame of this run on the wire (mpc_engine framing)."""
    return uuid.UUID(run_id).bytes


class NoPeerChannel(Exception):
    """No way to reach the peers is configured."""


def no_peer_channel(run_id: str, index: int) -> Transport:
    raise NoPeerChannel("the peer channel is not configured on this miner (MINER_CONNECT_PEERS)")


def websocket_peers(run_id: str, index: int):
    """Both authenticated links of this run on the peer channel; waits MINER_PEER_CONNECT_SECONDS for the
    peers, then fails naming the one that did not come (PeerTimeout, HandshakeError)."""
    from miners.identity.rotation import deliver_pending
    from miners.peering.configured import PeerSettingsError, process_node

    deliver_pending()  # a rotation of this miner's key that a peer missed while it was down
    try:
        node = process_node()
    except PeerSettingsError as exc:
        raise NoPeerChannel(f"the peer channel cannot start: {exc}") from None
    if node.index != index:
        raise NoPeerChannel(f"this process's peer node is miner {node.index}, not miner {index}")
    return node.open_run(transport_run_id(run_id), timeout=float(settings.MINER_PEER_TIMEOUT_SECONDS),
                         connect_timeout=float(settings.MINER_PEER_CONNECT_SECONDS))


def configured() -> ConnectPeers:
    return import_string(settings.MINER_CONNECT_PEERS)
