"""PeerTransport's framing over in-memory links (a real asyncio loop, no sockets):
chunking, truncation, wrong operations, oversized headers and the per-chunk idle timeout."""

import asyncio
import threading

import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from miners.peering.secure import FRAME_MORE, FRAME_START, Initiator, Responder, new_run_id
from miners.peering.transport import CHUNK_BYTES, PeerLink, PeerTransport
from mpc_engine.transport.framing import PeerDisconnected, PeerTimeout, ProtocolError, encode_header

IDS = [Ed25519PrivateKey.generate() for _ in range(3)]


def sessions(low, high, run_id):
    init = Initiator(low, high, run_id, IDS[low], IDS[high].public_key())
    resp = Responder(high, IDS[high], {j: IDS[j].public_key() for j in range(3) if j != high})
    ready, high_session = resp.on_confirm(init.on_reply(resp.on_hello(init.hello())))
    return init.on_ready(ready), high_session


OPEN = []  # transports made by a test, closed before its loop stops


@pytest.fixture
def loop():
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    while OPEN:
        OPEN.pop().close()
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


class Wire:
    """Both links of one pair; `held` records are kept back instead of delivered."""

    def __init__(self, loop, low, high, run_id):
        a, b = sessions(low, high, run_id)
        self.links = {}
        self.links[low] = PeerLink(a, loop, self._to(high), self._closer(high))
        self.links[high] = PeerLink(b, loop, self._to(low), self._closer(low))
        self.ends = {low: self.links[high], high: self.links[low]}  # who receives what `me` sends

    def _to(self, receiver):
        async def send(record):
            self.links[receiver].feed(record)
        return send

    def _closer(self, other):
        async def close():
            self.links[other].feed_closed()
        return close


def transports(loop, timeout=2.0, run_id=None):
    run_id = run_id or new_run_id()
    wires = {(a, b): Wire(loop, a, b, run_id) for a, b in ((0, 1), (0, 2), (1, 2))}
    links = {i: {} for i in range(3)}
    for (a, b), wire in wires.items():
        links[a][b], links[b][a] = wire.links[a], wire.links[b]
    made = [PeerTransport(i, run_id, links[i], timeout) for i in range(3)]
    OPEN.extend(made)
    return made, wires


def test_a_large_message_goes_in_chunks_and_comes_back_whole(loop):
    ts, _ = transports(loop)
    big = np.arange(3 * CHUNK_BYTES // 8 + 5, dtype=np.uint64)
    ts[0].send(1, big, 1)
    np.testing.assert_array_equal(ts[1].recv(0, 1, np.uint64, big.size), big)
    assert ts[0].counter.bytes_sent == big.nbytes


def test_a_message_for_another_operation_is_refused(loop):
    ts, _ = transports(loop)
    ts[2].send(0, np.zeros(4, np.uint32), 7)
    with pytest.raises(ProtocolError, match="^miner 2: unexpected message from party 2: operation 7"):
        ts[0].recv(2, 8, np.uint32, 4)


def test_a_message_cut_short_is_refused(loop):
    ts, _ = transports(loop)
    link = ts[0].links[1]  # miner 0 announces 2 chunks, sends one, then a new message
    header = encode_header(0, np.zeros(CHUNK_BYTES // 4, np.uint64), ts[0].run_id, 1)
    link.send_record(FRAME_START, header, 1)
    link.send_record(FRAME_MORE, b"\0" * (CHUNK_BYTES // 2), 1)
    link.send_record(FRAME_START, header, 1)
    with pytest.raises(ProtocolError, match="^miner 0: message truncated or overlong"):
        ts[1].recv(0, 1, np.uint64, CHUNK_BYTES // 4)


def test_a_header_over_the_payload_limit_is_refused_before_allocating(loop):
    ts, _ = transports(loop)
    ts[1].max_payload_bytes = 1 << 20
    ts[0].send(1, np.zeros(1 << 18, np.uint64), 1)  # 2 MiB
    with pytest.raises(ProtocolError, match="^miner 0: a message of 2097152 bytes is over the limit"):
        ts[1].recv(0, 1, np.uint64, 1 << 18)


def test_a_silent_peer_times_out_naming_it(loop):
    ts, _ = transports(loop, timeout=0.2)
    with pytest.raises(PeerTimeout, match="^miner 2 sent nothing for 0.2 s"):
        ts[1].recv(2, 1, np.uint32, 1)


def test_the_idle_timeout_is_per_chunk_not_per_message(loop):
    ts, _ = transports(loop, timeout=1.0)
    link = ts[0].links[1]
    n = 5 * CHUNK_BYTES
    link.send_record(FRAME_START, encode_header(0, np.zeros(n, np.uint8), ts[0].run_id, 1), 1)
    result = {}
    receiver = threading.Thread(target=lambda: result.setdefault("x", ts[1].recv(0, 1, np.uint8, n)))
    receiver.start()
    paced = threading.Event()  # never set: each wait is the pause between two chunks
    for _ in range(5):
        paced.wait(0.3)  # 1.5 s in all, over the 1 s timeout, but no chunk waits longer than 0.3 s
        link.send_record(FRAME_MORE, b"\1" * CHUNK_BYTES, 1)
    receiver.join(5)
    assert result["x"].size == n and int(result["x"].sum()) == n


def test_end_of_stream_is_reported_naming_the_peer(loop):
    ts, _ = transports(loop)
    ts[2].close()
    with pytest.raises(PeerDisconnected, match="^miner 2 closed the channel"):
        ts[0].recv(2, 1, np.uint32, 1)
    with pytest.raises(PeerDisconnected, match="^miner 2"):  # and keeps saying so
        ts[0].recv(2, 1, np.uint32, 1)


def test_a_resume_from_a_point_this_miner_cannot_resend_from_fails_naming_the_peer(loop):
    ts, _ = transports(loop)
    link = ts[1].links[0]  # miner 1's end of the pair (0, 1)
    link.reconnect_timeout = 5.0
    for op in (1, 2, 3):
        ts[1].send(0, np.zeros(2, np.uint32), op)
    link.flush(2)

    def drop_and_resume():
        link.connection_lost(0)
        gen, _ = link.begin_resume()
        return link.resume(gen, link._send, link._close, 7)  # miner 0 claims it expects record 7

    assert asyncio.run_coroutine_threadsafe(_call(drop_and_resume), loop).result(5) is False
    with pytest.raises(PeerDisconnected, match="^miner 0 disconnected mid-run and cannot resume: it "
                                               "expects record 7, this miner can resend from 3"):
        ts[1].recv(0, 1, np.uint32, 2)


async def _call(function):
    return function()
