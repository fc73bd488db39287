"""Three miners over real websockets on loopback (Channels consumer on uvicorn, websockets client)."""

import asyncio

import numpy as np
import pytest

from miners.peering.secure import HandshakeError, VersionMismatch
from mpc_engine.protocols.arithmetic import from_additive, mul, reveal
from mpc_engine.ring import RING32, RING64
from mpc_engine.sharing import additive_shares
from mpc_engine.sorting import sort_values
from mpc_engine.transport.framing import PeerDisconnected, PeerTimeout, ProtocolError

from .conftest import party_with_channel_keys


def secret_inputs(ring, rng, n):
    x = rng.integers(0, 1 << 20, n).astype(ring.dtype)
    y = rng.integers(0, 1 << 20, n).astype(ring.dtype)
    return x, y, additive_shares(ring, x), additive_shares(ring, y)


def test_multiplication_and_sort_over_the_channel_match_numpy(network):
    ring, rng = RING32, np.random.default_rng(7)
    x, y, xs, ys = secret_inputs(ring, rng, 300)

    def program(i, transport):
        party = party_with_channel_keys(transport, ring)
        a, b = from_additive(party, xs[i]), from_additive(party, ys[i])
        return reveal(party, mul(party, a, b)), reveal(party, sort_values(party, a))

    outputs, errors = network.run(program)
    assert errors == [None] * 3
    for product, ordered in outputs:
        np.testing.assert_array_equal(product, x * y)
        np.testing.assert_array_equal(ordered, np.sort(x.astype(np.int32)).astype(np.uint32))


def test_a_million_uint64_round_trip_in_chunks(network):
    big = np.random.default_rng(1).integers(0, 1 << 63, 1_000_000, dtype=np.uint64)

    def program(i, transport):
        transport.send((i + 1) % 3, big + np.uint64(i), 1)
        got = transport.recv((i + 2) % 3, 1, np.uint64, big.size)
        return bool(np.array_equal(got, big + np.uint64((i + 2) % 3)))

    outputs, errors = network.run(program)
    assert errors == [None] * 3
    assert outputs == [True] * 3


def test_both_ends_of_each_pair_derive_the_same_prf_key(network):
    outputs, errors = network.run(lambda i, t: t.pairwise_keys())
    assert errors == [None] * 3
    for i in range(3):
        own, next_key = outputs[i]
        assert own == outputs[(i + 2) % 3][1]  # k_i: the pair (i-1, i)
        assert next_key == outputs[(i + 1) % 3][0]  # k_{i+1}: the pair (i, i+1)
    assert len({k for pair in outputs for k in pair}) == 3


def test_a_miner_with_a_key_that_is_not_configured_is_refused(network_factory, identities):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    # miners 1 and 2 expect identities[0]; miner 0 now holds another key
    old = identities[0].public_key()
    net = network_factory(identities=[Ed25519PrivateKey.generate(), *identities[1:]],
                          known={(1, 0): old, (2, 0): old})
    _, errors = net.run(lambda i, t: None, connect_timeout=1)
    assert isinstance(errors[0], HandshakeError)  # the transcript names the keys each side expects
    assert "miner 1" in str(errors[0]) or "miner 2" in str(errors[0])
    assert isinstance(errors[1], PeerTimeout) and "miner 0" in str(errors[1])
    assert isinstance(errors[2], PeerTimeout) and "miner 0" in str(errors[2])


def test_another_protocol_version_is_refused_saying_which(network_factory):
    net = network_factory(options={0: {"version": 2}})
    _, errors = net.run(lambda i, t: None, connect_timeout=1)
    assert isinstance(errors[0], VersionMismatch)
    assert "version 1" in str(errors[0]) and "version 2" in str(errors[0])
    assert "miner 1" in str(errors[0]) or "miner 2" in str(errors[0])
    # the served side's timeout says why miner 0 never got in
    assert isinstance(errors[2], PeerTimeout)
    assert str(errors[2]) == ("miner 0 did not connect within 1 s (an unauthenticated attempt as it was "
                              "refused: miner 0 speaks peer protocol version 2, this miner speaks version 1)")


def test_a_peer_that_drops_and_stays_away_fails_the_run_naming_it(network):
    def program(i, transport):
        if i == 1:
            for link in transport.links.values():  # vanish without the END record, for good
                link._closing = True
                asyncio.run_coroutine_threadsafe(link._close(), link.loop).result(5)
            return None
        return transport.recv(1, 1, np.uint32, 4)

    _, errors = network.run(program, timeout=20, reconnect_timeout=0.5)
    for i in (0, 2):
        assert isinstance(errors[i], PeerDisconnected)
        assert str(errors[i]).startswith("miner 1 disconnected mid-run")
        assert str(errors[i]).endswith("and did not come back within 0.5 s")


def cut(link):
    """Drop a dialed link's TCP connection under it, as a network failure would."""
    ws = link._send.__self__
    link.loop.call_soon_threadsafe(ws.transport.abort)


def test_a_dropped_connection_is_dialed_again_and_the_run_carries_on(network):
    rounds, n = 30, 2000

    def program(i, transport):
        total = 0
        for r in range(1, rounds + 1):
            if i == 0 and r in (5, 17):
                cut(transport.links[1 if r == 5 else 2])  # miner 0 dialed both
            if i == 1 and r == 11:
                cut(transport.links[2])  # and miner 1 dialed miner 2
            for j in ((i + 1) % 3, (i + 2) % 3):
                transport.send(j, np.full(n, 1000 * r + i, dtype=np.uint32), r)
            for j in ((i + 1) % 3, (i + 2) % 3):
                got = transport.recv(j, r, np.uint32, n)
                assert (got == 1000 * r + j).all()
                total += int(got[0])
        return total, {j: link._gen for j, link in transport.links.items()}  # connections resumed

    outputs, errors = network.run(program, timeout=10, reconnect_timeout=5)
    assert errors == [None] * 3
    expected = [sum(1000 * r * 2 + (i + 1) % 3 + (i + 2) % 3 for r in range(1, rounds + 1)) for i in range(3)]
    assert [total for total, _ in outputs] == expected
    assert outputs[0][1] == {1: 1, 2: 1} and outputs[1][1] == {0: 1, 2: 1} and outputs[2][1] == {0: 1, 1: 1}


def test_a_peer_that_never_connects_times_out_naming_it(network):
    network.servers[1].stop()  # miner 2 is gone
    _, errors = network.run(lambda i, t: None, connect_timeout=0.5)
    assert isinstance(errors[0], PeerTimeout) and "miner 2" in str(errors[0])


def test_an_unread_flood_over_the_inbound_limit_aborts_the_run(network_factory):
    net = network_factory(options={1: {"max_inbound_bytes": 256 << 10}})

    def program(i, transport):
        if i == 0:
            transport.send(1, np.zeros(1 << 18, dtype=np.uint64), 1)  # 2 MiB
            return None
        if i == 1:
            assert transport.links[0].ended.wait(10)  # miner 1 reads nothing until the limit is hit
            return transport.recv(0, 1, np.uint64, 1 << 18)
        return None

    _, errors = net.run(program, timeout=5)
    assert isinstance(errors[1], ProtocolError)
    assert str(errors[1]) == (f"miner 0: more than {256 << 10} bytes queued unread (MAX_INBOUND_BYTES): "
                              f"aborting")


@pytest.mark.parametrize("ring", [RING64])
def test_ring64_multiplication(network, ring):
    x, y, xs, ys = secret_inputs(ring, np.random.default_rng(3), 50)

    def program(i, transport):
        party = party_with_channel_keys(transport, ring)
        return reveal(party, mul(party, from_additive(party, xs[i]), from_additive(party, ys[i])))

    outputs, errors = network.run(program)
    assert errors == [None] * 3
    for out in outputs:
        np.testing.assert_array_equal(out, x * y)


def test_the_server_negotiates_no_compression_even_when_offered(network):
    from websockets.sync.client import connect

    with connect(network.urls[1], compression="deflate", open_timeout=5) as ws:  # offers deflate
        assert ws.response.headers.get("Sec-WebSocket-Extensions") is None


def test_the_server_refuses_a_message_over_one_record(network):
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    from miners.peering.transport import MAX_RECORD_BYTES

    with connect(network.urls[2], compression=None, open_timeout=5) as ws:
        ws.send(b"\0" * (MAX_RECORD_BYTES + 1))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd.code == 1009  # message too big



def test_no_dial_ends_as_a_task_whose_error_could_go_unread(network_factory):
    # open_run cancels the dials it stops waiting for; one that failed just then would be logged by
    # asyncio at garbage collection ("Task exception was never retrieved"), which on Python 3.11
    # breaks an ast.parse running at that moment (CPython gh-106905): a dial returns its error
    net = network_factory(options={0: {"version": 2}})
    tasks = []

    def recording(loop, coro, **kwargs):
        task = asyncio.Task(coro, loop=loop, **kwargs)
        tasks.append(task)
        return task

    for node in net.nodes:
        node.loop().set_task_factory(recording)
    _, errors = net.run(lambda i, t: None, connect_timeout=1)
    assert isinstance(errors[0], VersionMismatch)  # still raised by open_run
    dials = [t for t in tasks if t.get_coro().__name__ == "_dial_outcome"]
    assert len(dials) == 3  # miner 0 dials 1 and 2, miner 1 dials 2
    ended = [t for t in dials if t.done() and not t.cancelled()]
    assert ended and [t.exception() for t in ended] == [None] * len(ended)
