"""In-process transport: three parties as threads, frames through queues.

Frames are encoded and checked exactly as on the wire, so the tests exercise the
framing; only the bytes stay in memory.  `close()` is the end of stream: a peer's
receive that finds it raises `PeerDisconnected` at once, as on TCP, instead of
waiting out its time-out for a party that has stopped (e.g. after an error).
"""

from __future__ import annotations

import queue

import numpy as np

from .base import DEFAULT_TIMEOUT, Transport
from .framing import (
    HEADER_BYTES,
    PeerDisconnected,
    PeerTimeout,
    check_frame,
    decode_header,
    encode_header,
    payload_array,
)


class LocalHub:
    """The queues between three in-process parties; make one per run."""

    def __init__(self):
        self.queues = {(src, dst): queue.Queue() for src in range(3) for dst in range(3) if src != dst}

    def transports(self, run_id: bytes, timeout: float = DEFAULT_TIMEOUT) -> list[LocalTransport]:
        return [LocalTransport(self, i, run_id, timeout) for i in range(3)]


_END_OF_STREAM = None  # what close() queues after the last frame


class LocalTransport(Transport):
    def __init__(self, hub: LocalHub, party_id: int, run_id: bytes, timeout: float = DEFAULT_TIMEOUT):
        super().__init__(party_id, run_id, timeout)
        self.hub = hub
        self._closed = False

    def send(self, to: int, array: np.ndarray, op_id: int) -> None:
        array = np.ascontiguousarray(array)
        header = encode_header(self.party_id, array, self.run_id, op_id)
        self.hub.queues[(self.party_id, to)].put((header, array.tobytes()))
        self._count(array, HEADER_BYTES)

    def recv(self, frm: int, op_id: int, dtype, count: int) -> np.ndarray:
        inbox = self.hub.queues[(frm, self.party_id)]
        try:
            item = inbox.get(timeout=self.timeout)
        except queue.Empty:
            raise PeerTimeout(f"party {frm} sent nothing for {self.timeout:g} s") from None
        if item is _END_OF_STREAM:
            inbox.put(item)  # every later receive from this peer fails the same way
            raise PeerDisconnected(f"party {frm} closed the connection")
        raw_header, payload = item
        header = decode_header(raw_header)
        check_frame(header, expect_sender=frm, run_id=self.run_id, op_id=op_id, dtype=dtype, count=count)
        return payload_array(payload, dtype, count)

    def close(self) -> None:
        """End of stream to both peers, after every frame already sent."""
        if not self._closed:
            self._closed = True
            for to in range(3):
                if to != self.party_id:
                    self.hub.queues[(self.party_id, to)].put(_END_OF_STREAM)
