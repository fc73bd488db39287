"""Transports between the three parties: the interface, in-process queues and TCP."""

from .base import DEFAULT_TIMEOUT, TrafficCounter, Transport
from .framing import PeerDisconnected, PeerTimeout, ProtocolError
from .local import LocalHub, LocalTransport

__all__ = [
    "DEFAULT_TIMEOUT",
    "LocalHub",
    "LocalTransport",
    "PeerDisconnected",
    "PeerTimeout",
    "ProtocolError",
    "TrafficCounter",
    "Transport",
]
