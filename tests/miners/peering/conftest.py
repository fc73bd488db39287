"""Three miners' peer nodes on loopback: keys, served endpoints, and a way to run a program."""

import threading

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from miners.peering.node import PeerInfo, PeerNode
from miners.peering.secure import new_run_id
from miners.peering.server import PeerServer, listen_socket, url_of
from mpc_engine.party import Party

UNUSED_URL = "ws://127.0.0.1:9/peer/ws"  # miner 0 is never dialed: the lower index dials


@pytest.fixture
def identities():
    return [Ed25519PrivateKey.generate() for _ in range(3)]


class Network:
    """Nodes for miners 0-2 (each may be given options), servers for the two that are dialed."""

    def __init__(self, identities, options=None, known=None, tls=None):
        """tls: {"cert": path, "key": path} to serve wss:// (the nodes' options bring the client side)."""
        self.identities = identities
        self.socks = {i: listen_socket() for i in (1, 2)}
        self.urls = {0: UNUSED_URL, **{i: url_of(s) for i, s in self.socks.items()}}
        if tls:
            self.urls = {i: url.replace("ws://127.0.0.1", "wss://localhost") for i, url in self.urls.items()}
        known = known or {}  # (me, peer) -> the public key `me` believes `peer` has
        options = options or {}
        self.nodes = [
            PeerNode(i, identities[i], {
                j: PeerInfo(self.urls[j], known.get((i, j), identities[j].public_key()))
                for j in range(3) if j != i}, **options.get(i, {}))
            for i in range(3)]
        self.servers = []
        served = {"ssl_certfile": tls["cert"], "ssl_keyfile": tls["key"]} if tls else {}
        for i in (1, 2):
            self.servers.append(PeerServer(self.nodes[i], self.socks[i], **served))

    def run(self, program, timeout=10.0, connect_timeout=10.0, run_id=None, reconnect_timeout=5.0):
        """program(transport) at each miner in its own thread; returns (outputs, errors)."""
        run_id = run_id or new_run_id()
        outputs, errors = [None] * 3, [None] * 3
        for node in self.nodes:
            node.reconnect_timeout = reconnect_timeout

        def body(i):
            transport = None
            try:
                transport = self.nodes[i].open_run(run_id, timeout=timeout, connect_timeout=connect_timeout)
                outputs[i] = program(i, transport)
            except BaseException as exc:  # noqa: BLE001 - handed to the test
                errors[i] = exc
            finally:
                if transport is not None:
                    transport.close()

        threads = [threading.Thread(target=body, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        return outputs, errors

    def stop(self):
        for server in self.servers:
            server.stop()
        for node in self.nodes:
            node.close()


@pytest.fixture
def network_factory(identities):
    made = []

    def make(identities=identities, **kwargs):
        net = Network(identities, **kwargs)
        made.append(net)
        return net

    yield make
    for net in made:
        net.stop()


@pytest.fixture
def network(network_factory):
    return network_factory()


def party_with_channel_keys(transport, ring) -> Party:
    """A Party whose pairwise keys come from the channels' key agreement, not from a message."""
    party = Party(transport, ring)
    party.set_pairwise_keys(*transport.pairwise_keys())
    return party
