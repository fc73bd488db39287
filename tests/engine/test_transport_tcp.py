"""TCP transport and the three-process launcher: results, set-up checks, failures that never hang."""

import multiprocessing
import os
import secrets
import signal
import socket
import threading
import time

import numpy as np
import pytest

from mpc_engine.launch import PartyFailed, run_tcp
from mpc_engine.protocols.arithmetic import from_additive, mul, output_pair
from mpc_engine.protocols.compare import lt
from mpc_engine.ring import RING32, RING64
from mpc_engine.sharing import additive_shares, reconstruct_replicated
from mpc_engine.transport.framing import (
    HEADER,
    HEADER_BYTES,
    MAGIC,
    VERSION,
    PeerDisconnected,
    PeerTimeout,
    ProtocolError,
    decode_header,
    encode_header,
)
from mpc_engine.transport.tcp import MAX_PAYLOAD_BYTES, TcpTransport, hello_frame, listen, require_loopback

# -- programs run in the spawned parties (top level, so they pickle) ----------------------


def mul_and_lt(party, x_share, y_share):
    x, y = from_additive(party, x_share), from_additive(party, y_share)
    return output_pair(mul(party, x, y)), output_pair(lt(party, x, y))


def fail_after_one_round(party, culprit, how):
    t = party.tag()
    x = party.arith(party.common_with_prev(t, 4), party.common_with_next(t, 4))
    mul(party, x, x)
    if party.pid == culprit:
        if how == "exit":
            os._exit(3)
        if how == "stall":
            time.sleep(2.5)
        if how == "raise":
            raise ValueError("the program's own bug")
    mul(party, x, x)
    mul(party, x, x)
    return "done"


def sleep_long(party):
    time.sleep(30)


def share(ring, values):
    return additive_shares(ring, ring.encode(values))


def no_child_left():
    return multiprocessing.active_children() == []


# -- three processes -------------------------------------------------------------------------


@pytest.mark.parametrize("ring", [RING32, RING64], ids=["ring32", "ring64"])
def test_three_processes_multiply_and_compare_like_numpy(ring):
    lo, hi = ring.signed_min, ring.signed_max
    xs = [0, 1, -1, hi, lo, 2**31 - 1, -(2**31), 7, 5, -3]
    ys = [0, -1, 1, lo, hi, -(2**31), 2**31 - 1, 7, 9, -3]
    xsh, ysh = share(ring, xs), share(ring, ys)
    result = run_tcp(mul_and_lt, [(xsh[i], ysh[i]) for i in range(3)], ring=ring)
    prod = reconstruct_replicated([out[0] for out in result.outputs])
    less = reconstruct_replicated([out[1] for out in result.outputs], boolean=True)
    expected = ring.encode(xs) * ring.encode(ys)
    assert np.array_equal(prod, expected)
    assert np.array_equal(less & 1, np.array([x < y for x, y in zip(xs, ys, strict=True)]))
    assert [s.bytes_sent for s in result.stats][0] > 0
    assert result.stats[0].rounds == result.stats[1].rounds == result.stats[2].rounds
    assert no_child_left()


def test_a_party_that_exits_mid_protocol_is_named_and_nobody_hangs():
    start = time.monotonic()
    with pytest.raises(PartyFailed) as failed:
        run_tcp(fail_after_one_round, [(1, "exit")] * 3, timeout=30.0)
    assert time.monotonic() - start < 10  # far below the 30 s receive timeout: EOF is prompt
    assert failed.value.party == 1
    assert "exited with code 3" in str(failed.value)
    # in mul, party i waits on party i+1: party 0 sees 1 go; party 2 may then see 0 abort
    assert isinstance(failed.value.errors[0], PeerDisconnected)
    assert "party 1" in str(failed.value.errors[0])
    assert no_child_left()


def test_a_party_that_stalls_makes_its_peers_time_out_naming_it():
    start = time.monotonic()
    with pytest.raises(PartyFailed) as failed:
        run_tcp(fail_after_one_round, [(1, "stall")] * 3, timeout=1.0)
    assert time.monotonic() - start < 10
    assert isinstance(failed.value.errors[0], PeerTimeout)  # party 0 waits on party 1
    assert "party 1" in str(failed.value.errors[0])
    assert no_child_left()


def test_a_party_exception_is_raised_with_its_index_and_cause_not_the_peers_errors():
    with pytest.raises(PartyFailed) as failed:
        run_tcp(fail_after_one_round, [(2, "raise")] * 3, timeout=30.0)
    assert failed.value.party == 2
    assert isinstance(failed.value.cause, ValueError)
    assert "the program's own bug" in str(failed.value)
    assert "fail_after_one_round" in str(failed.value.cause.__cause__)  # the child's traceback
    assert no_child_left()


def test_an_interrupted_run_stops_and_reaps_every_party_at_once():
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))
    start = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            run_tcp(sleep_long, timeout=60.0)
    finally:
        timer.cancel()
    assert time.monotonic() - start < 5
    assert no_child_left()


# -- one process, three transports (set-up and framing on the socket) --------------------------


def connect_three(run_id, timeout=10.0):
    listeners = [listen() for _ in range(3)]
    addresses = {j: listeners[j].getsockname() for j in range(3)}
    out, errors = [None] * 3, []

    def build(i):
        try:
            out[i] = TcpTransport(i, run_id, listeners[i], addresses, timeout)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=build, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for sock in listeners:
        sock.close()
    assert not errors
    return out


@pytest.fixture
def trio():
    transports = connect_three(secrets.token_bytes(16), timeout=10.0)
    yield transports
    closers = [threading.Thread(target=t.close) for t in transports]
    for c in closers:
        c.start()
    for c in closers:
        c.join()


def test_large_messages_both_ways_at_once_do_not_deadlock(trio):
    big = [np.full(8_000_000, i + 1, dtype=np.uint32) for i in range(3)]  # 32 MB each
    got = {}

    def party(i):
        for j in range(3):
            if j != i:
                trio[i].send(j, big[i], op_id=1)
        got[i] = {j: trio[i].recv(j, 1, np.uint32, big[j].size) for j in range(3) if j != i}

    threads = [threading.Thread(target=party, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert all(np.array_equal(got[i][j], big[j]) for i in range(3) for j in range(3) if j != i)
    assert trio[0].counter.bytes_sent == 2 * big[0].nbytes


def test_an_empty_message_round_trips(trio):
    trio[1].send(0, np.empty(0, dtype=np.uint64), op_id=4)
    assert trio[0].recv(1, 4, np.uint64, 0).size == 0


def test_a_silent_peer_raises_peer_timeout_naming_it():
    t0, t1, t2 = connect_three(secrets.token_bytes(16), timeout=10.0)
    t0.timeout = 0.3  # after the set-up, which a loaded machine may make slow
    try:
        start = time.monotonic()
        with pytest.raises(PeerTimeout, match="party 2"):
            t0.recv(2, 1, np.uint32, 1)
        assert time.monotonic() - start < 2
    finally:
        for t in (t0, t1, t2):
            t._close_sockets()


def test_a_closed_peer_raises_peer_disconnected_promptly(trio):
    trio[2].send(0, np.arange(3, dtype=np.uint32), op_id=1)
    threading.Thread(target=trio[2].close).start()
    assert list(trio[0].recv(2, 1, np.uint32, 3)) == [0, 1, 2]  # data sent before closing arrives
    start = time.monotonic()
    with pytest.raises(PeerDisconnected, match="party 2"):
        trio[0].recv(2, 2, np.uint32, 3)
    assert time.monotonic() - start < 2  # the receive timeout is 10 s


def test_a_frame_for_another_operation_is_refused(trio):
    trio[1].send(0, np.arange(3, dtype=np.uint32), op_id=7)
    with pytest.raises(ProtocolError, match="operation 7"):
        trio[0].recv(1, 6, np.uint32, 3)


# -- a raw socket posing as parties 1 and 2 ---------------------------------------------------


class FakePeers:
    """Party 0 being built in a thread; the test speaks for parties 1 and 2 on raw sockets."""

    def __init__(self, run_id, timeout=5.0, **options):
        self.run_id = run_id
        self.options = options
        self.listener = listen()
        self.port = self.listener.getsockname()[1]
        self.result = {}
        self.thread = threading.Thread(target=self._build, args=(timeout,))
        self.thread.start()

    def _build(self, timeout):
        try:
            self.result["transport"] = TcpTransport(0, self.run_id, self.listener, {}, timeout,
                                                    **self.options)
        except Exception as exc:
            self.result["error"] = exc

    def dial(self, as_party, run_id=None):
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        sock.sendall(hello_frame(as_party, run_id or self.run_id))
        return sock

    def transport(self):
        self.thread.join(10)
        self.listener.close()
        return self.result["transport"]


def read_all(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def test_a_hello_for_another_run_or_from_an_unexpected_party_is_refused():
    peers = FakePeers(secrets.token_bytes(16))
    stranger = peers.dial(1, run_id=secrets.token_bytes(16))
    assert read_all(stranger, HEADER_BYTES) == b""  # closed without a hello back
    impostor = peers.dial(0)  # party 0 cannot connect to itself
    assert read_all(impostor, HEADER_BYTES) == b""
    p1, p2 = peers.dial(1), peers.dial(2)
    assert decode_header(read_all(p1, HEADER_BYTES)).sender == 0
    assert decode_header(read_all(p2, HEADER_BYTES)).sender == 0
    transport = peers.transport()
    p1.close()
    p2.close()
    transport.close()


def test_a_malformed_frame_on_the_socket_raises_protocol_error():
    peers = FakePeers(secrets.token_bytes(16))
    p1, p2 = peers.dial(1), peers.dial(2)
    read_all(p1, HEADER_BYTES)
    read_all(p2, HEADER_BYTES)
    transport = peers.transport()
    try:
        p1.sendall(b"GARBAGE!" * 5)
        with pytest.raises(ProtocolError, match="party 1.*malformed"):
            transport.recv(1, 1, np.uint32, 1)
    finally:
        p1.close()
        p2.close()
        transport.close()


@pytest.mark.parametrize("options", [{}, {"max_payload_bytes": 1000}])
def test_a_header_announcing_more_than_the_limit_is_refused_before_allocating(options):
    limit = options.get("max_payload_bytes", MAX_PAYLOAD_BYTES)
    peers = FakePeers(secrets.token_bytes(16), **options)
    p1, p2 = peers.dial(1), peers.dial(2)
    read_all(p1, HEADER_BYTES)
    read_all(p2, HEADER_BYTES)
    transport = peers.transport()
    try:
        p1.sendall(HEADER.pack(MAGIC, VERSION, 1, 1, 0, peers.run_id, 1, limit + 1))
        start = time.monotonic()
        with pytest.raises(ProtocolError, match=f"party 1.*over this transport's limit of {limit}"):
            transport.recv(1, 1, np.uint8, limit + 1)
        assert time.monotonic() - start < 2  # refused at once, not waiting for the payload
    finally:
        p1.close()
        p2.close()
        transport.close()


def test_a_peer_that_never_connects_is_named_in_the_setup_timeout():
    peers = FakePeers(secrets.token_bytes(16), timeout=0.3)
    p1 = peers.dial(1)
    peers.thread.join(5)
    p1.close()
    peers.listener.close()
    assert isinstance(peers.result.get("error"), PeerTimeout)
    assert "party 2" in str(peers.result["error"])


def test_a_listener_that_closes_without_a_hello_is_named():
    fake0 = listen()

    def accept_and_close():
        sock, _ = fake0.accept()
        sock.close()

    closer = threading.Thread(target=accept_and_close)
    closer.start()
    own = listen()
    try:
        with pytest.raises(ProtocolError, match="party 0 did not greet us"):
            TcpTransport(1, secrets.token_bytes(16), own, {0: fake0.getsockname()}, 2.0)
    finally:
        closer.join(5)
        own.close()
        fake0.close()


# -- loopback only, bounded read-ahead -------------------------------------------------------
@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "localhost"])
def test_loopback_hosts_are_accepted(host):
    require_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "10.0.0.1", "192.168.1.20", "8.8.8.8", "::",
                                  "no-such-host.invalid"])
def test_anything_but_loopback_is_refused(host):
    with pytest.raises(ValueError, match="loopback addresses only"):
        require_loopback(host)
    with pytest.raises(ValueError, match="loopback addresses only"):
        listen(host, 0)


def test_a_transport_refuses_to_dial_a_non_loopback_peer():
    own = listen()
    try:
        with pytest.raises(ValueError, match="loopback addresses only"):
            TcpTransport(1, secrets.token_bytes(16), own, {0: ("192.0.2.1", 9)}, 2.0)
    finally:
        own.close()


def frame(sender, run_id, op, payload):
    return encode_header(sender, payload, run_id, op) + payload.tobytes()


@pytest.mark.parametrize("limits,count,size", [({"max_queued_frames": 5}, 40, 4),
                                               ({"max_queued_bytes": 1000}, 40, 400)])
def test_a_peer_flooding_unasked_frames_is_cut_off_with_a_clear_error(limits, count, size):
    peers = FakePeers(secrets.token_bytes(16), **limits)
    p1, p2 = peers.dial(1), peers.dial(2)
    read_all(p1, HEADER_BYTES)
    read_all(p2, HEADER_BYTES)
    transport = peers.transport()
    try:
        payload = np.zeros(size // 4, dtype=np.uint32)
        p1.sendall(b"".join(frame(1, peers.run_id, op, payload) for op in range(1, count + 1)))
        deadline = time.monotonic() + 5
        while 1 not in transport._overflow and time.monotonic() < deadline:
            time.sleep(0.01)  # waiting for a condition, bounded
        assert transport._inbox[1].qsize() <= limits.get("max_queued_frames", 5)
        assert transport._queued_bytes[1] <= limits.get("max_queued_bytes", 1000)
        with pytest.raises(ProtocolError, match="party 1 sent more than we asked for.*MAX_QUEUED"):
            transport.recv(1, 1, np.uint32, size // 4)
    finally:
        p1.close()
        p2.close()
        transport.close()


def test_frames_within_the_limit_are_delivered_in_order():
    peers = FakePeers(secrets.token_bytes(16), max_queued_frames=5)
    p1, p2 = peers.dial(1), peers.dial(2)
    read_all(p1, HEADER_BYTES)
    read_all(p2, HEADER_BYTES)
    transport = peers.transport()
    try:
        p1.sendall(b"".join(frame(1, peers.run_id, op, np.full(3, op, np.uint32)) for op in range(1, 6)))
        for op in range(1, 6):
            assert transport.recv(1, op, np.uint32, 3).tolist() == [op] * 3
        assert transport._queued_bytes[1] == 0
    finally:
        p1.close()
        p2.close()
        transport.close()


def test_socket_buffers_are_left_to_kernel_autotuning(trio):
    # setting SO_RCVBUF / SO_SNDBUF fixes the size and turns autotuning off (Linux then
    # reports twice the value set): the transport's sockets must look like untouched ones
    listener = listen()
    plain = socket.create_connection(listener.getsockname())
    try:
        fresh = [plain.getsockopt(socket.SOL_SOCKET, opt) for opt in (socket.SO_RCVBUF, socket.SO_SNDBUF)]
        for sock in trio[0]._socks.values():
            assert [sock.getsockopt(socket.SOL_SOCKET, opt)
                    for opt in (socket.SO_RCVBUF, socket.SO_SNDBUF)] == fresh
    finally:
        plain.close()
        listener.close()
