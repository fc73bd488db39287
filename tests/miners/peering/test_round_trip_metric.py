"""Each authenticated handshake measures the round trip to the peer, on both ends (the dialer from hello
to reply, the served end from reply to confirm): every miner sees both its peers, once per run."""

import numpy as np

from mpc_engine.ring import RING32

from .conftest import party_with_channel_keys


def test_each_miner_measures_the_round_trip_to_both_peers(network):
    seen = {i: [] for i in range(3)}
    for i, node in enumerate(network.nodes):
        node.on_round_trip = lambda peer, seconds, i=i: seen[i].append((peer, seconds))

    def program(i, transport):
        party_with_channel_keys(transport, RING32).exchange(to_next=np.array([i], dtype=np.uint32),
                                                         from_prev=(np.uint32, 1))

    _outputs, errors = network.run(program)
    assert errors == [None] * 3
    for i in range(3):
        assert sorted(peer for peer, _s in seen[i]) == sorted({0, 1, 2} - {i}), seen
        assert all(0 < seconds < 5 for _peer, seconds in seen[i]), seen


def test_a_node_without_a_callback_measures_nothing_and_runs(network):
    _outputs, errors = network.run(lambda i, t: None)
    assert errors == [None] * 3
