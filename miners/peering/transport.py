"""The engine's `Transport` over established peer links: sync engine, asyncio websockets.

The engine runs in its own (synchronous) thread; each websocket lives on an asyncio loop
(the node's loop for links we dialed, the ASGI server's loop for links we served).  A
`PeerLink` bridges the two: the loop feeds it the peer's records into a thread-safe queue
whose bytes are bounded (`max_inbound_bytes`: over it, the run aborts, so a peer cannot fill
our memory), and the engine thread sends by scheduling the websocket's send on its loop.
Encryption and decryption happen on the engine thread.

An engine frame (framing.py) travels as records of at most `CHUNK_BYTES`: a FRAME_START
record with the 40-byte header (and a small payload), then FRAME_MORE records.  Every record
is waited for with the transport's `timeout`: a per-chunk idle timeout, so a large message
on a slow link does not time out as long as it keeps moving.
"""

from __future__ import annotations

import asyncio
import collections
import queue
import threading
import time

import numpy as np

from mpc_engine.transport.base import DEFAULT_TIMEOUT, Transport
from mpc_engine.transport.framing import (
    HEADER_BYTES,
    PeerDisconnected,
    PeerTimeout,
    ProtocolError,
    check_frame,
    decode_header,
    encode_header,
    payload_array,
)

from .secure import END, FRAME_MORE, FRAME_START, RECORD_OVERHEAD, Session, pairwise_keys

CHUNK_BYTES = 1 << 20  # PROTOCOLS.md 7: 256 KiB-4 MiB are within 25% of the best
MAX_RECORD_BYTES = CHUNK_BYTES + HEADER_BYTES + RECORD_OVERHEAD  # the websocket max_size on both sides
# a peer may run ahead of us by about one round; the largest honest message in the benchmarks is
# ~530 MB (division's B2A at n = 10^6, k = 64), so 1 GiB queued from one peer means something is wrong
MAX_INBOUND_BYTES = 1 << 30
MAX_PAYLOAD_BYTES = 1 << 30  # a frame header announcing more is refused before any allocation
# sends do not wait for the socket: up to this much may be queued before a send waits (and times
# out if the peer stops reading): a few chunks, enough to keep the socket busy while we encrypt
MAX_OUTBOUND_BYTES = 8 << 20
CLOSE_SECONDS = 2.0  # how long close() waits to hand the END record and the close frame over


class PeerLink:
    """One authenticated connection to one peer, as seen from both threads."""

    def __init__(self, session: Session, loop: asyncio.AbstractEventLoop, send, close, *,
                 max_inbound_bytes: int = MAX_INBOUND_BYTES):
        self.session, self.peer, self.loop = session, session.peer, loop
        self._send, self._close = send, close  # coroutine functions, run on `loop`
        self.max_inbound_bytes = max_inbound_bytes
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()
        self._queued = 0
        self._lock = threading.Lock()
        self._ended = False
        self.ended = threading.Event()  # set once the peer closed, disconnected or was cut off
        self._fatal: ProtocolError | None = None  # jumps the queue: the run aborts at the next receive
        # outbound: the engine thread seals, one task on the loop sends in order
        self._pending: collections.deque = collections.deque()  # touched on the loop only
        self._sender: asyncio.Task | None = None
        self._out_bytes = 0
        self._out_cond = threading.Condition()
        self._send_error: BaseException | None = None

    # -- loop side ---------------------------------------------------------------------
    def feed(self, record) -> None:
        """A record arrived (called on the loop). Never blocks."""
        if self._ended:
            return
        if not isinstance(record, bytes | bytearray):
            self._end(ProtocolError(f"miner {self.peer}: a text message on the peer channel"))
            return
        with self._lock:
            self._queued += len(record)
            over = self._queued > self.max_inbound_bytes
        if over:
            self._fatal = ProtocolError(f"miner {self.peer}: more than {self.max_inbound_bytes} bytes "
                                        f"queued unread (MAX_INBOUND_BYTES): aborting")
            self._end(self._fatal)
            self.loop.create_task(self._close())
            return
        self._inbox.put(record)

    def feed_closed(self, detail: str = "") -> None:
        """The connection closed (called on the loop); records already queued stay readable."""
        self._end(PeerDisconnected(f"miner {self.peer} disconnected mid-run{detail}"))

    def _end(self, error: ProtocolError) -> None:
        if not self._ended:
            self._ended = True
            self._inbox.put(error)
            self.ended.set()

    # -- engine side -------------------------------------------------------------------
    def next_record(self, timeout: float) -> tuple[int, bytes]:
        if self._fatal is not None:
            raise ProtocolError(*self._fatal.args)
        try:
            item = self._inbox.get(timeout=timeout)
        except queue.Empty:
            raise PeerTimeout(f"miner {self.peer} sent nothing for {timeout:g} s") from None
        if isinstance(item, ProtocolError):
            self._inbox.put(item)  # every later receive fails the same way
            raise type(item)(*item.args)
        with self._lock:
            self._queued -= len(item)
        kind, plain = self.session.open(item)
        if kind == END:
            self._end(PeerDisconnected(f"miner {self.peer} closed the channel"))
            raise PeerDisconnected(f"miner {self.peer} closed the channel")
        return kind, plain

    def send_record(self, kind: int, data, timeout: float) -> None:
        """Seal and queue a record for the loop's sender; waits only while `MAX_OUTBOUND_BYTES`
        are still unsent (the peer is not reading), at most `timeout`."""
        record = self.session.seal(kind, data)
        deadline = time.monotonic() + timeout
        with self._out_cond:
            while self._out_bytes > MAX_OUTBOUND_BYTES and self._send_error is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise PeerTimeout(f"miner {self.peer} accepted no data for {timeout:g} s")
                self._out_cond.wait(left)
            self._raise_send_error()
            self._out_bytes += len(record)
        try:
            self.loop.call_soon_threadsafe(self._enqueue, record)
        except RuntimeError:  # the loop is closed
            raise PeerDisconnected(f"miner {self.peer} disconnected mid-run") from None

    def _raise_send_error(self) -> None:
        if self._send_error is not None:
            raise PeerDisconnected(f"miner {self.peer} disconnected mid-run "
                                   f"({type(self._send_error).__name__})")

    def _enqueue(self, record: bytes) -> None:  # on the loop: one sender task keeps the order
        self._pending.append(record)
        if self._sender is None or self._sender.done():
            self._sender = self.loop.create_task(self._drain())

    async def _drain(self) -> None:
        while self._pending:
            record = self._pending.popleft()
            try:
                await self._send(record)
            except Exception as exc:  # the websocket libraries' ConnectionClosed and OSError
                with self._out_cond:
                    self._send_error = exc
                    self._pending.clear()
                    self._out_cond.notify_all()
                return
            with self._out_cond:
                self._out_bytes -= len(record)
                self._out_cond.notify_all()

    def flush(self, timeout: float) -> None:
        """Wait until every queued record was handed to the socket."""
        deadline = time.monotonic() + timeout
        with self._out_cond:
            while self._out_bytes > 0 and self._send_error is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise PeerTimeout(f"miner {self.peer} accepted no data for {timeout:g} s")
                self._out_cond.wait(left)
            self._raise_send_error()

    def close(self, timeout: float = CLOSE_SECONDS) -> None:
        """Send END (best effort), let the queue drain, and close the websocket."""
        if self.loop.is_closed():
            return
        try:
            self.send_record(END, b"", timeout)
            self.flush(timeout)
        except ProtocolError:
            pass
        future = asyncio.run_coroutine_threadsafe(self._close(), self.loop)
        try:
            future.result(timeout)
        except Exception:  # noqa: S110 - already closed or the loop is stopping: nothing to release
            pass


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
