"""One authenticated link to one peer: the bridge between its websocket and the engine thread.

The loop (asyncio) feeds the peer's records into a thread-safe queue whose bytes are bounded
(`max_inbound_bytes`: over it, the run aborts: a peer cannot fill our memory).  The engine
thread seals records and queues them for one sender task on the loop, which keeps their order;
a send waits only while `MAX_OUTBOUND_BYTES` are unsent (the peer stopped reading).

Resumption: a connection that drops without the peer's END is waited for `reconnect_timeout`
seconds.  The dialer (the lower index) dials again and both ends authenticate afresh; then
each says which record sequence number it expects next and the other resends from there out
of the records it still holds (`MAX_RETAINED_BYTES`).  The records keep the first session's
keys and numbering, so a gap, a duplicate or a forged resume point fails authentication like
any other.  Nothing comes back in time: the run fails naming the peer.
"""

from __future__ import annotations

import asyncio
import collections
import queue
import struct
import threading
import time

from mpc_engine.transport.framing import PeerDisconnected, PeerTimeout, ProtocolError

from .secure import END, RECORD_HEADER, Session

# a peer may run ahead of us by about one round; the largest honest message in the benchmarks is
# ~530 MB (division's B2A at n = 10^6, k = 64), so 1 GiB queued from one peer means something is wrong
MAX_INBOUND_BYTES = 1 << 30
# sends do not wait for the socket: up to this much may be queued before a send waits (and times
# out if the peer stops reading): a few chunks, enough to keep the socket busy while we encrypt
MAX_OUTBOUND_BYTES = 8 << 20
# records kept for a resend after a reconnection; the peer has read anything older than about
# one round, so this only needs to cover the largest message in flight
MAX_RETAINED_BYTES = 64 << 20
CLOSE_SECONDS = 2.0  # how long close() waits to hand the END record and the close frame over
RESUME = struct.Struct(">4sQ")  # magic, the next sequence number this end expects
RESUME_MAGIC = b"MPCS"


def resume_message(expected: int) -> bytes:
    return RESUME.pack(RESUME_MAGIC, expected)


def parse_resume(message, peer: int) -> int:
    if not isinstance(message, bytes | bytearray) or len(message) != RESUME.size:
        raise ProtocolError(f"miner {peer}: malformed resume message")
    magic, expected = RESUME.unpack(message)
    if magic != RESUME_MAGIC:
        raise ProtocolError(f"miner {peer}: malformed resume message")
    return expected


def _seq(record: bytes) -> int:
    return RECORD_HEADER.unpack_from(record)[0]


class PeerLink:
    """One authenticated connection to one peer (or its successors), as seen from both threads."""

    def __init__(self, session: Session, loop: asyncio.AbstractEventLoop, send, close, *,
                 max_inbound_bytes: int = MAX_INBOUND_BYTES, reconnect_timeout: float = 0.0):
        self.session, self.peer, self.loop = session, session.peer, loop
        self._send, self._close = send, close  # the current connection's coroutine functions
        self.max_inbound_bytes = max_inbound_bytes
        self.reconnect_timeout = reconnect_timeout
        self.on_lost = None  # loop-side callback(link) of the dialing side: dial again
        # inbound
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()
        self._queued = 0
        self._lock = threading.Lock()
        self._ended = False
        self.ended = threading.Event()  # set once the peer closed, disconnected or was cut off
        self._fatal: ProtocolError | None = None  # jumps the queue: the run aborts at the next receive
        self._fed = 0  # records accepted, in order: the next sequence number we expect (loop side)
        self._peer_ended = False
        # connection generations: feeds and losses of a superseded connection are ignored
        self._gen = 0
        self._lost_gen = -1
        self._up = asyncio.Event()
        self._up.set()
        self._closing = False
        # outbound: the engine thread seals, one task on the loop sends in order
        self._pending: collections.deque = collections.deque()  # loop only
        self._retained: collections.deque = collections.deque()  # (seq, record), loop only
        self._retained_bytes = 0
        self._enqueued_upto = 0  # 1 + the last sequence number queued (loop only)
        self._sent_upto = 0  # 1 + the last sequence number handed to a socket (loop only)
        self._sender: asyncio.Task | None = None
        self._out_bytes = 0
        self._out_cond = threading.Condition()
        self._send_error: BaseException | None = None

    # -- loop side: inbound ------------------------------------------------------------
    def feed(self, record, gen: int = 0) -> None:
        """A record arrived on connection `gen` (called on the loop). Never blocks."""
        if self._ended or gen != self._gen:
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
        self._fed += 1
        if len(record) > RECORD_HEADER.size - 1 and record[RECORD_HEADER.size - 1] == END:
            self._peer_ended = True  # checked for real when the engine opens it
        self._inbox.put(record)

    def feed_closed(self, detail: str = "") -> None:
        """The peer is gone for good; records already queued stay readable."""
        self._end(PeerDisconnected(f"miner {self.peer} disconnected mid-run{detail}"))
        with self._out_cond:
            if self._send_error is None:
                self._send_error = ConnectionError("gone")
            self._out_cond.notify_all()

    def _end(self, error: ProtocolError) -> None:
        if not self._ended:
            self._ended = True
            self._inbox.put(error)
            self.ended.set()

    def connection_lost(self, gen: int, detail: str = "") -> None:
        """Connection `gen` closed (called on the loop): wait for the peer, or give up."""
        if gen != self._gen or gen == self._lost_gen or self._ended:
            return
        self._lost_gen = gen
        if self._closing or self._peer_ended or self.reconnect_timeout <= 0:
            self.feed_closed(detail)
            return
        self._up.clear()
        if self.on_lost is not None:
            self.on_lost(self)
        self.loop.create_task(self._await_return(gen))

    async def _await_return(self, gen: int) -> None:
        try:
            await asyncio.wait_for(self._up.wait(), self.reconnect_timeout)
        except TimeoutError:
            if self._gen == gen or not self._up.is_set():
                self.feed_closed(f" and did not come back within {self.reconnect_timeout:g} s")

    @property
    def down(self) -> bool:
        return not self._up.is_set() and not self._ended

    # -- loop side: resumption ---------------------------------------------------------
    def begin_resume(self) -> tuple[int, int]:
        """A new authenticated connection from the peer: (its generation, the seq we expect next).

        From now on, whatever the old connection still delivers is ignored."""
        old_close = self._close
        self._gen += 1
        self._up.clear()
        self.loop.create_task(_quietly(old_close))
        return self._gen, self._fed

    def resume(self, gen: int, send, close, peer_expects: int) -> bool:
        """Carry on over connection `gen`, resending from `peer_expects`. False if we cannot."""
        if gen != self._gen or self._ended:
            return False
        while self._retained and self._retained[0][0] < peer_expects:
            self._retained_bytes -= len(self._retained.popleft()[1])
        first = self._retained[0][0] if self._retained else self._enqueued_upto
        if peer_expects != first:
            self.feed_closed(f" and cannot resume: it expects record {peer_expects}, this miner "
                             f"can resend from {first}")
            return False
        self._send, self._close = send, close
        self._pending = collections.deque(record for _, record in self._retained)
        self._up.set()
        self._kick()
        return True

    # -- loop side: outbound -----------------------------------------------------------
    def _enqueue(self, record: bytes) -> None:
        seq = _seq(record)
        self._enqueued_upto = seq + 1
        if self.reconnect_timeout > 0:
            self._retained.append((seq, record))
            self._retained_bytes += len(record)
            while self._retained_bytes > MAX_RETAINED_BYTES and len(self._retained) > 1:
                self._retained_bytes -= len(self._retained.popleft()[1])
        if self._up.is_set():
            self._pending.append(record)
            self._kick()
        # down: resume() rebuilds the queue from the retained records

    def _kick(self) -> None:
        if self._sender is None or self._sender.done():
            self._sender = self.loop.create_task(self._drain())

    async def _drain(self) -> None:
        while self._pending and self._up.is_set():
            record = self._pending.popleft()
            gen = self._gen
            try:
                await self._send(record)
            except Exception as exc:  # the websocket libraries' ConnectionClosed and OSError
                self.connection_lost(gen, f" ({type(exc).__name__})")
                if self._ended:
                    return
                continue  # down: resume() refills the queue and kicks a new sender
            seq = _seq(record)
            if seq >= self._sent_upto:
                self._sent_upto = seq + 1
                with self._out_cond:
                    self._out_bytes -= len(record)
                    self._out_cond.notify_all()

    # -- engine side -------------------------------------------------------------------
    def next_record(self, timeout: float) -> tuple[int, bytes]:
        if self._fatal is not None:
            raise ProtocolError(*self._fatal.args)
        while True:
            try:
                item = self._inbox.get(timeout=timeout)
                break
            except queue.Empty:
                if not self.down:  # while the peer reconnects, its own deadline applies
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
        are still unsent (the peer is not reading), at most `timeout` (longer while reconnecting)."""
        record = self.session.seal(kind, data)
        deadline = time.monotonic() + timeout
        with self._out_cond:
            while self._out_bytes > MAX_OUTBOUND_BYTES and self._send_error is None:
                left = deadline - time.monotonic()
                if left <= 0 and not self.down:
                    raise PeerTimeout(f"miner {self.peer} accepted no data for {timeout:g} s")
                self._out_cond.wait(max(left, 0.05))
            self._raise_send_error()
            self._out_bytes += len(record)
        try:
            self.loop.call_soon_threadsafe(self._enqueue, record)
        except RuntimeError:  # the loop is closed
            raise PeerDisconnected(f"miner {self.peer} disconnected mid-run") from None

    def _raise_send_error(self) -> None:
        if self._send_error is not None:
            raise PeerDisconnected(f"miner {self.peer} disconnected mid-run")

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
        self._closing = True
        try:
            self.send_record(END, b"", timeout)
            self.flush(timeout)
        except ProtocolError:
            pass
        future = asyncio.run_coroutine_threadsafe(_quietly(self._close), self.loop)
        try:
            future.result(timeout)
        except Exception:  # noqa: S110 - the loop is stopping: nothing left to release
            pass


async def _quietly(close) -> None:
    try:
        await close()
    except Exception:  # noqa: S110 - closing a connection that is already gone
        pass
