"""TCP transport: three OS processes on loopback, one socket per pair of parties.

Set-up: every party listens (port 0 allowed: the launcher learns the real port);
party i connects to each j < i and accepts each j > i.  Both ends of a new
connection send a *hello*, an empty frame of operation 0 naming the sender and the
run; a hello from an unexpected party or run is refused (that connection is closed,
the listener keeps waiting for the right peer until `timeout`).  Peers are not
authenticated and nothing is encrypted: this is the loopback carrier of tests,
benchmarks and the demo, so it refuses to listen on, dial or accept from anything but
a loopback address (`require_loopback`); a deployment between machines needs the
authenticated, encrypted peer channel of the miners (miners/peering).

Data: a receiver thread per peer reads whole frames continuously into a queue, so
two parties that send each other large messages never deadlock on full socket
buffers, and a closed or malformed connection is surfaced to the next `recv`
(`PeerDisconnected` / `ProtocolError`) instead of a hang.  Sends are one
`sendall` of header + payload (large payloads: of a memoryview, no copy).  The
receiver thread allocates a payload before the protocol says what it expects, so a
header announcing more than `max_payload_bytes` is refused before any allocation.
The queue of frames read ahead of the protocol is bounded (MAX_QUEUED_FRAMES frames,
MAX_QUEUED_BYTES bytes per peer): a peer that sends more than that unasked stops being
read and the next receive from it raises `ProtocolError` naming the limit.  Socket
buffers are left to the kernel's autotuning (a fixed size disables it).
"""

from __future__ import annotations

import contextlib
import ipaddress
import queue
import socket
import threading
import time

import numpy as np

from .base import DEFAULT_TIMEOUT, Transport
from .framing import (
    HEADER_BYTES,
    PeerDisconnected,
    PeerTimeout,
    ProtocolError,
    check_frame,
    decode_header,
    encode_header,
    payload_array,
    same_run,
)

HELLO_OP = 0  # Party.exchange numbers operations from 1, so 0 is free for the hello
SMALL_PAYLOAD_BYTES = 64 << 10  # below this, copying header + payload into one send is cheaper
CLOSE_GRACE_SECONDS = 2.0  # how long close() waits for the peers' end-of-stream
HELLO_SECONDS = 5.0  # a connection silent this long is dropped, not waited for until `timeout`
# a peer's header must not make us allocate up to the framing's 4 GiB; the largest honest
# message in the benchmarks is division's B2A at n = 10^6, k = 64 (about 530 MB)
MAX_PAYLOAD_BYTES = 1 << 30
# Frames a peer may have sent beyond what we have asked for.  Honest parties run at most
# a few rounds apart (every protocol waits on a neighbour within a round or two), at most
# 2 frames per round per peer; far more is a flood, held back instead of buffered.
MAX_QUEUED_FRAMES = 256
MAX_QUEUED_BYTES = 2 << 30  # and their payload: two of the largest frames allowed
_EMPTY = np.empty(0, dtype=np.uint8)


def require_loopback(host: str) -> None:
    """ValueError unless `host` is a loopback address, or a name that resolves only to them.

    The transport is unauthenticated and unencrypted: between machines, anyone on the
    path could read the shares or pose as a party.
    """
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except OSError:
            infos = []
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    if not addresses or not all(a.is_loopback for a in addresses):
        raise ValueError(f"the TCP transport is unauthenticated and unencrypted: loopback "
                         f"addresses only, got {host!r}")


def listen(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening socket for one party (loopback only); read the real port with `getsockname()[1]`."""
    require_loopback(host)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(4)
    return sock


def hello_frame(party_id: int, run_id: bytes) -> bytes:
    """The first frame on every connection, in both directions."""
    return encode_header(party_id, _EMPTY, run_id, HELLO_OP)


class TcpTransport(Transport):
    """Party `party_id`'s sockets to the two others.

    `addresses[j]` = (host, port) of party j's listener, needed for j < party_id;
    the constructor returns once both peers are connected and greeted, or raises
    `PeerTimeout` naming the missing peers after `timeout` seconds.  A frame larger
    than `max_payload_bytes` is refused as a `ProtocolError` (raise it for larger runs).
    """

    def __init__(self, party_id: int, run_id: bytes, listener: socket.socket,
                 addresses: dict, timeout: float = DEFAULT_TIMEOUT, *,
                 max_payload_bytes: int = MAX_PAYLOAD_BYTES,
                 max_queued_frames: int = MAX_QUEUED_FRAMES,
                 max_queued_bytes: int = MAX_QUEUED_BYTES):
        super().__init__(party_id, run_id, timeout)
        for j in range(party_id):
            require_loopback(addresses[j][0])
        self.max_payload_bytes = max_payload_bytes
        self.max_queued_frames = max_queued_frames
        self.max_queued_bytes = max_queued_bytes
        self._socks: dict[int, socket.socket] = {}
        self._inbox = {j: queue.SimpleQueue() for j in range(3) if j != party_id}
        self._queued_bytes = dict.fromkeys(self._inbox, 0)
        self._queue_lock = threading.Lock()
        self._overflow: dict[int, ProtocolError] = {}
        self._closing = False
        try:
            self._connect_lower(addresses)
            self._accept_higher(listener)
        except BaseException:
            self._close_sockets()
            raise
        for sock in self._socks.values():
            # one timeout for both directions (a socket has one): it bounds a send to a
            # peer that stopped reading; the receiver threads just wait again on it
            sock.settimeout(self.timeout)
        self._threads = [threading.Thread(target=self._receive_loop, args=(j, s), daemon=True,
                                          name=f"tcp-recv-{party_id}-from-{j}")
                         for j, s in self._socks.items()]
        for t in self._threads:
            t.start()

    # -- set-up ------------------------------------------------------------------------
    def _deadline_left(self, deadline: float, waiting_for: str) -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise PeerTimeout(f"{waiting_for} did not connect within {self.timeout:g} s")
        return left

    def _connect_lower(self, addresses: dict) -> None:
        deadline = time.monotonic() + self.timeout
        for j in range(self.party_id):
            sock = self._dial(j, tuple(addresses[j]), deadline)
            self._socks[j] = sock  # registered first, so a failed greeting still closes it
            try:
                sock.sendall(hello_frame(self.party_id, self.run_id))
                answered = self._read_hello(sock, deadline)
            except (ProtocolError, OSError) as exc:
                raise ProtocolError(f"party {j} did not greet us: {exc}") from None
            if answered != j:
                raise ProtocolError(f"the listener of party {j} answered as another party")

    def _dial(self, j: int, address, deadline: float) -> socket.socket:
        while True:  # the peer may not listen yet if it was started after us
            left = self._deadline_left(deadline, f"party {j}")
            try:
                sock = socket.create_connection(address, timeout=left)
            except (ConnectionRefusedError, TimeoutError):
                time.sleep(0.01)
                continue
            self._tune(sock)
            return sock

    def _accept_higher(self, listener: socket.socket) -> None:
        deadline = time.monotonic() + self.timeout
        expected = set(range(self.party_id + 1, 3))
        while expected:
            waiting = " and ".join(f"party {j}" for j in sorted(expected))
            listener.settimeout(self._deadline_left(deadline, waiting))
            try:
                sock, _ = listener.accept()
            except TimeoutError:
                continue  # the next _deadline_left raises, naming who is missing
            try:
                require_loopback(sock.getpeername()[0])
            except (ValueError, OSError):
                sock.close()
                continue
            self._tune(sock)
            try:
                peer = self._read_hello(sock, min(deadline, time.monotonic() + HELLO_SECONDS))
                if peer not in expected:
                    raise ProtocolError(f"unexpected hello from party {peer}")
                sock.sendall(hello_frame(self.party_id, self.run_id))
            except (ProtocolError, OSError):
                sock.close()  # refused: a stranger, a stale run or a duplicate party
                continue
            expected.discard(peer)
            self._socks[peer] = sock

    def _read_hello(self, sock: socket.socket, deadline: float) -> int:
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        raw = bytearray(HEADER_BYTES)
        try:
            if not _read_exactly(sock, memoryview(raw)):
                raise ProtocolError("connection closed before the hello")
        except TimeoutError:
            raise ProtocolError("no hello within the set-up timeout") from None
        header = decode_header(bytes(raw))
        if not same_run(header.run_id, self.run_id):
            raise ProtocolError(f"hello from party {header.sender} belongs to another run")
        if header.op_id != HELLO_OP or header.length != 0 or header.sender not in (0, 1, 2):
            raise ProtocolError("malformed hello")
        return header.sender

    def _tune(self, sock: socket.socket) -> None:
        # no SO_SNDBUF / SO_RCVBUF: setting them turns off the kernel's buffer autotuning
        # (measured on loopback: no slower without the former fixed 4 MiB, docs/performance.md)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # -- data --------------------------------------------------------------------------
    def send(self, to: int, array: np.ndarray, op_id: int) -> None:
        array = np.ascontiguousarray(array)
        header = encode_header(self.party_id, array, self.run_id, op_id)
        sock = self._socks[to]
        try:
            if array.nbytes <= SMALL_PAYLOAD_BYTES:
                sock.sendall(header + array.tobytes())
            else:
                sock.sendall(header)
                sock.sendall(memoryview(array.reshape(-1)).cast("B"))
        except TimeoutError:
            raise PeerTimeout(f"party {to} accepted no data for {self.timeout:g} s") from None
        except OSError as exc:
            raise PeerDisconnected(f"party {to} closed the connection ({exc.strerror})") from None
        self._count(array, HEADER_BYTES)

    def recv(self, frm: int, op_id: int, dtype, count: int) -> np.ndarray:
        overflow = self._overflow.get(frm)
        if overflow is not None:
            raise ProtocolError(*overflow.args)
        try:
            item = self._inbox[frm].get(timeout=self.timeout)
        except queue.Empty:
            raise PeerTimeout(f"party {frm} sent nothing for {self.timeout:g} s") from None
        if isinstance(item, ProtocolError):
            self._inbox[frm].put(item)  # every later receive from this peer fails the same way
            raise type(item)(*item.args)
        header, payload = item
        with self._queue_lock:
            self._queued_bytes[frm] -= payload.nbytes
        check_frame(header, expect_sender=frm, run_id=self.run_id, op_id=op_id, dtype=dtype,
                    count=count)
        return payload_array(payload, dtype, count)

    def _receive_loop(self, peer: int, sock: socket.socket) -> None:
        """Read frames from `peer` until end of stream; failures go to the inbox as errors."""
        inbox = self._inbox[peer]
        raw = bytearray(HEADER_BYTES)
        try:
            while True:
                if not self._read_frame_part(sock, memoryview(raw)):
                    inbox.put(PeerDisconnected(f"party {peer} closed the connection"))
                    return
                header = decode_header(bytes(raw))
                if header.length > self.max_payload_bytes:
                    raise ProtocolError(f"frame of {header.length} bytes is over this transport's "
                                        f"limit of {self.max_payload_bytes}")
                if not self._may_queue(peer, header.length):
                    return  # stop reading: the peer's further frames wait in the kernel
                payload = np.empty(header.length, dtype=np.uint8)
                if not self._read_frame_part(sock, memoryview(payload)):
                    inbox.put(PeerDisconnected(f"party {peer} closed the connection mid-message"))
                    return
                inbox.put((header, payload))
        except ProtocolError as exc:
            inbox.put(ProtocolError(f"from party {peer}: {exc}"))
        except OSError as exc:
            reason = "connection closed locally" if self._closing else exc.strerror
            inbox.put(PeerDisconnected(f"party {peer} closed the connection ({reason})"))

    def _may_queue(self, peer: int, length: int) -> bool:
        """Count a frame of `length` bytes into `peer`'s queue, or record the overflow error."""
        with self._queue_lock:
            frames, queued = self._inbox[peer].qsize(), self._queued_bytes[peer]
            if frames < self.max_queued_frames and queued + length <= self.max_queued_bytes:
                self._queued_bytes[peer] = queued + length
                return True
        self._overflow[peer] = ProtocolError(
            f"party {peer} sent more than we asked for: {frames} frames, {queued + length} bytes "
            f"queued, over the limit of {self.max_queued_frames} frames (MAX_QUEUED_FRAMES) or "
            f"{self.max_queued_bytes} bytes (MAX_QUEUED_BYTES)")
        return False

    def _read_frame_part(self, sock: socket.socket, view: memoryview) -> bool:
        # an idle peer is the waiting recv's business (PeerTimeout there), not ours
        return _read_exactly(sock, view, retry=lambda: not self._closing)

    # -- shutdown ----------------------------------------------------------------------
    def close(self) -> None:
        """Half-close, let the peers see end-of-stream, then release the sockets.

        Our receiver threads keep draining until each peer closes too (at most
        CLOSE_GRACE_SECONDS), so the kernel never resets a connection that still has
        unread data, which could destroy the peer's last message in flight.
        """
        if self._closing:
            return
        self._closing = True
        for sock in self._socks.values():
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + CLOSE_GRACE_SECONDS
        for t in getattr(self, "_threads", []):
            t.join(max(deadline - time.monotonic(), 0))
        self._close_sockets()
        for t in getattr(self, "_threads", []):
            t.join(1.0)

    def _close_sockets(self) -> None:
        for sock in self._socks.values():
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes a receiver thread blocked in recv
            sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def _read_exactly(sock: socket.socket, view: memoryview, retry=None) -> bool:
    """Fill `view` from the socket; False on a clean end of stream before the first byte.

    On a socket time-out, waits again while `retry()` is true, else raises TimeoutError.
    """
    got, total = 0, len(view)
    while got < total:
        try:
            n = sock.recv_into(view[got:])
        except TimeoutError:
            if retry is not None and retry():
                continue
            raise
        if n == 0:
            if got == 0:
                return False
            raise ConnectionResetError(0, "end of stream mid-frame")
        got += n
    return True
