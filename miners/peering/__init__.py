"""The miners' authenticated, encrypted peer channel, as an `mpc_engine` Transport.

Django-free core (configuration comes in as arguments):
    secure     identities, the signed X25519 handshake, AEAD records, `pairwise_keys`
    link       `PeerLink`: async websocket <-> sync engine bridge, bounded queues, resumption
    transport  `PeerTransport`: engine frames as chunked records
    node       `PeerNode`: this miner's identity and peers, dialing, `open_run`
The served side (Channels, uvicorn):
    consumer   `PeerConsumer` at /peer/ws, `peer_websocket_urlpatterns(node)`, `uvicorn_options()`
    server     `PeerServer`: uvicorn on the node's loop, in this process
    bench      `python -m miners.peering.bench`: three processes on loopback

A run, in the process that serves /peer/ws:

    node = PeerNode.from_config(index, private_key_b64, {j: (url_j, public_key_b64_j), ...})
    transport = node.open_run(run_id)            # both links authenticated, or an error naming the peer
    party = Party(transport, ring)
    party.set_pairwise_keys(*transport.pairwise_keys())   # never sent as a message
    ...                                          # the protocols
    transport.close()
"""

from .node import CONNECT_SECONDS, HANDSHAKE_SECONDS, RECONNECT_SECONDS, LinkRegistry, PeerInfo, PeerNode
from .secure import (
    PROTOCOL_VERSION,
    AuthenticationFailed,
    HandshakeError,
    VersionMismatch,
    new_run_id,
    pairwise_keys,
    parse_private_key,
    parse_public_key,
    public_key_b64,
)
from .transport import (
    CHUNK_BYTES,
    MAX_INBOUND_BYTES,
    MAX_OUTBOUND_BYTES,
    MAX_RETAINED_BYTES,
    PeerLink,
    PeerTransport,
)

__all__ = [
    "CHUNK_BYTES",
    "CONNECT_SECONDS",
    "HANDSHAKE_SECONDS",
    "MAX_INBOUND_BYTES",
    "MAX_OUTBOUND_BYTES",
    "MAX_RETAINED_BYTES",
    "PROTOCOL_VERSION",
    "RECONNECT_SECONDS",
    "AuthenticationFailed",
    "HandshakeError",
    "LinkRegistry",
    "PeerInfo",
    "PeerLink",
    "PeerNode",
    "PeerTransport",
    "VersionMismatch",
    "new_run_id",
    "pairwise_keys",
    "parse_private_key",
    "parse_public_key",
    "public_key_b64",
]
