"""The doctor's handshake probe (miners/peering/probe.py): one authenticated handshake with a peer, on real
served endpoints; a wrong pinned key, another protocol version or nobody listening each fail, naming the
peer."""

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from miners.peering import HandshakeError, VersionMismatch
from miners.peering.probe import dials, probe
from mpc_engine.transport.framing import PeerTimeout


def test_a_lower_index_completes_a_handshake_with_each_peer_it_dials(network):
    for i, j in ((0, 1), (0, 2), (1, 2)):
        assert dials(network.nodes[i], j)
        assert 0 < probe(network.nodes[i], j) < 5


def test_a_higher_index_does_not_dial(network):
    assert not dials(network.nodes[2], 0)
    with pytest.raises(ValueError, match="does not dial"):
        probe(network.nodes[2], 0)


def test_a_peer_with_another_key_than_the_pinned_one_fails_the_handshake(network_factory, identities):
    stranger = Ed25519PrivateKey.generate().public_key()
    net = network_factory(known={(0, 1): stranger})
    with pytest.raises(HandshakeError, match="miner 1"):
        probe(net.nodes[0], 1)
    assert probe(net.nodes[0], 2) > 0  # the other peer is unaffected


def test_another_protocol_version_is_named(network_factory):
    net = network_factory(options={1: {"version": 2}})
    with pytest.raises(VersionMismatch, match="version 2") as refused:
        probe(net.nodes[0], 1)
    assert "version 1" in str(refused.value)


def test_nobody_listening_is_a_timeout_naming_the_peer(network_factory):
    net = network_factory()
    net.servers[0].stop()  # miner 1's endpoint
    with pytest.raises(PeerTimeout, match="miner 1"):
        probe(net.nodes[0], 1, timeout=1.0)


def test_a_peer_that_accepts_but_never_answers_the_handshake_is_bounded(network_factory):
    import socket
    import threading
    import time

    net = network_factory()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    accepted = []
    threading.Thread(target=lambda: accepted.append(silent.accept()), daemon=True).start()
    net.nodes[0].peers[1] = type(net.nodes[0].peers[1])(f"ws://127.0.0.1:{silent.getsockname()[1]}/peer/ws",
                                                         net.nodes[0].peers[1].public_key)
    began = time.monotonic()
    with pytest.raises(PeerTimeout, match="miner 1"):
        probe(net.nodes[0], 1, timeout=1.0)
    assert time.monotonic() - began < 3.5
    silent.close()
