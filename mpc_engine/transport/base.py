"""The transport interface: send an array to party j, receive one from party j.

Implementations move whole frames (see `framing`) and count what they send.  A
receive names the operation it waits for; a frame for any other operation, run or
sender, or of another dtype or length, raises `ProtocolError`.  A receive that
waits longer than `timeout` seconds raises `PeerTimeout` naming the peer.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

DEFAULT_TIMEOUT = 60.0  # seconds a party waits for a peer before the run aborts


@dataclass
class TrafficCounter:
    messages_sent: int = 0
    bytes_sent: int = 0  # payload bytes; headers are counted separately
    header_bytes_sent: int = 0


class Transport(ABC):
    """One party's end of the links to the two others."""

    party_id: int
    run_id: bytes
    timeout: float

    def __init__(self, party_id: int, run_id: bytes, timeout: float = DEFAULT_TIMEOUT):
        if party_id not in (0, 1, 2):
            raise ValueError("party_id must be 0, 1 or 2")
        self.party_id = party_id
        self.run_id = run_id
        self.timeout = timeout
        self.counter = TrafficCounter()

    @abstractmethod
    def send(self, to: int, array: np.ndarray, op_id: int) -> None:
        """Send one contiguous array to party `to` as the message of operation `op_id`."""

    @abstractmethod
    def recv(self, frm: int, op_id: int, dtype, count: int) -> np.ndarray:
        """Receive the message of operation `op_id` from party `frm`: `count` items of `dtype`."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release sockets or queues."""

    def _count(self, array: np.ndarray, header_bytes: int) -> None:
        self.counter.messages_sent += 1
        self.counter.bytes_sent += array.nbytes
        self.counter.header_bytes_sent += header_bytes
