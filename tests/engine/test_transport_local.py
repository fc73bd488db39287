"""The in-process transport: frames checked as on the wire, time-outs that name the peer."""

import time

import numpy as np
import pytest

from mpc_engine.transport.framing import PeerDisconnected, PeerTimeout, ProtocolError
from mpc_engine.transport.local import LocalHub

RUN = b"l" * 16


@pytest.fixture
def parties():
    return LocalHub().transports(RUN, timeout=0.2)


@pytest.mark.parametrize("dtype", [np.uint32, np.uint64])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 1000])
def test_an_array_arrives_unchanged(parties, dtype, n):
    array = np.arange(n, dtype=dtype) - dtype(1)  # wraps: 2^k - 1 first
    parties[0].send(2, array, op_id=3)
    assert np.array_equal(parties[2].recv(0, 3, dtype, n), array)


def test_messages_between_a_pair_keep_their_order(parties):
    for op in (1, 2, 3):
        parties[1].send(0, np.array([op], dtype=np.uint32), op_id=op)
    assert [int(parties[0].recv(1, op, np.uint32, 1)[0]) for op in (1, 2, 3)] == [1, 2, 3]


def test_sends_are_counted_in_payload_and_header_bytes(parties):
    parties[0].send(1, np.zeros(5, dtype=np.uint64), op_id=1)
    parties[0].send(2, np.zeros(1, dtype=np.uint32), op_id=1)
    counter = parties[0].counter
    assert (counter.messages_sent, counter.bytes_sent, counter.header_bytes_sent) == (2, 44, 80)


def test_a_silent_peer_times_out_naming_it(parties):
    start = time.monotonic()
    with pytest.raises(PeerTimeout, match="party 2 sent nothing for 0.2 s"):
        parties[1].recv(2, 1, np.uint32, 1)
    assert time.monotonic() - start < 2


def test_a_message_of_the_wrong_size_is_refused(parties):
    parties[2].send(1, np.zeros(3, dtype=np.uint32), op_id=1)
    with pytest.raises(ProtocolError, match="from party 2 has 12 bytes, expected 8"):
        parties[1].recv(2, 1, np.uint32, 2)


def test_a_closed_peer_is_reported_at_once_after_its_last_frame(parties):
    parties[0].send(1, np.array([7], dtype=np.uint32), op_id=1)
    parties[0].close()
    assert parties[1].recv(0, 1, np.uint32, 1)[0] == 7
    start = time.monotonic()
    for _ in range(2):  # and again: the end of stream stays
        with pytest.raises(PeerDisconnected, match="party 0 closed the connection"):
            parties[1].recv(0, 2, np.uint32, 1)
    assert time.monotonic() - start < 0.1
