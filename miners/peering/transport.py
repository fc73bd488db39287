"""The engine's `Transport` over established peer links: sync engine, asyncio websockets.

The engine runs in its own (synchronous) thread; each websocket lives on an asyncio loop.
A `PeerLink` (link.py) bridges the two; encryption and decryption happen on the engine thread.

An engine frame (framing.py) travels as records of at most `CHUNK_BYTES`: a FRAME_START
record with the 40-byte header (and a small payload), then FRAME_MORE records.  Every record
is waited for with the transport's `timeout`: a per-chunk idle timeout, so a large message
on a slow link does not time out as long as it keeps moving.
"""

from __future__ import annotations

import numpy as np

from mpc_engine.transport.base import DEFAULT_TIMEOUT, Transport
from mpc_engine.transport.framing import (
    HEADER_BYTES,
    ProtocolError,
    check_frame,
    decode_header,
    encode_header,
    payload_array,
)

from .link import MAX_INBOUND_BYTES, MAX_OUTBOUND_BYTES, MAX_RETAINED_BYTES, PeerLink
from .secure import FRAME_MORE, FRAME_START, RECORD_OVERHEAD, pairwise_keys

CHUNK_BYTES = 1 << 20  # PROTOCOLS.md 7: 256 KiB-4 MiB are within 25% of the best
MAX_RECORD_BYTES = CHUNK_BYTES + HEADER_BYTES + RECORD_OVERHEAD  # the websocket max_size on both sides
MAX_PAYLOAD_BYTES = 1 << 30  # a frame header announcing more is refused before any allocation
__all__ = ["CHUNK_BYTES", "MAX_INBOUND_BYTES", "MAX_OUTBOUND_BYTES", "MAX_PAYLOAD_BYTES",
           "MAX_RECORD_BYTES", "MAX_RETAINED_BYTES", "PeerLink", "PeerTransport"]


class PeerTransport(Transport):
    """Party `party_id`'s links to the two other miners, as an engine transport."""

    def __init__(self, party_id: int, run_id: bytes, links: dict[int, PeerLink],
                 timeout: float = DEFAULT_TIMEOUT, *, max_payload_bytes: int = MAX_PAYLOAD_BYTES):
        super().__init__(party_id, run_id, timeout)
        expected = {j for j in range(3) if j != party_id}
        if set(links) != expected:
            raise ValueError(f"miner {party_id} needs links to miners {sorted(expected)}")
        self.links = links
        self.max_payload_bytes = max_payload_bytes
        self._closed = False

    def pairwise_keys(self) -> tuple[bytes, bytes]:
        """(own, next_key) for `Party.set_pairwise_keys`, from the two channels' key agreements."""
        return pairwise_keys(self.party_id, {j: link.session for j, link in self.links.items()})

    def send(self, to: int, array: np.ndarray, op_id: int) -> None:
        array = np.ascontiguousarray(array)
        header = encode_header(self.party_id, array, self.run_id, op_id)
        link = self.links[to]
        flat = memoryview(array.reshape(-1)).cast("B")
        if array.nbytes <= CHUNK_BYTES - HEADER_BYTES:
            link.send_record(FRAME_START, header + flat.tobytes(), self.timeout)
        else:
            link.send_record(FRAME_START, header, self.timeout)
            for start in range(0, array.nbytes, CHUNK_BYTES):
                link.send_record(FRAME_MORE, flat[start:start + CHUNK_BYTES], self.timeout)
        self._count(array, HEADER_BYTES)

    def recv(self, frm: int, op_id: int, dtype, count: int) -> np.ndarray:
        link = self.links[frm]
        kind, plain = link.next_record(self.timeout)
        if kind != FRAME_START or len(plain) < HEADER_BYTES:
            raise ProtocolError(f"miner {frm}: expected the start of a message")
        try:
            header = decode_header(plain[:HEADER_BYTES])
            if header.length > self.max_payload_bytes:
                raise ProtocolError(f"a message of {header.length} bytes is over the limit of "
                                    f"{self.max_payload_bytes}")
            check_frame(header, expect_sender=frm, run_id=self.run_id, op_id=op_id, dtype=dtype,
                        count=count)
        except ProtocolError as exc:
            raise ProtocolError(f"miner {frm}: {exc}") from None
        first = plain[HEADER_BYTES:]
        if len(first) == header.length:
            return payload_array(first, dtype, count)
        if first:
            raise ProtocolError(f"miner {frm}: message split in an unexpected way")
        payload = np.empty(header.length, dtype=np.uint8)
        got = 0
        while got < header.length:
            kind, part = link.next_record(self.timeout)
            if kind != FRAME_MORE or not 0 < len(part) <= header.length - got:
                raise ProtocolError(f"miner {frm}: message truncated or overlong")
            payload[got:got + len(part)] = np.frombuffer(part, dtype=np.uint8)
            got += len(part)
        return payload_array(payload, dtype, count)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            for link in self.links.values():
                link.close()
