"""The fixed binary framing: what goes in comes out, and anything unexpected is refused."""

import secrets
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mpc_engine.transport.framing import (
    HEADER,
    HEADER_BYTES,
    MAGIC,
    MAX_PAYLOAD_BYTES,
    VERSION,
    ProtocolError,
    check_frame,
    decode_header,
    encode_header,
    payload_array,
)

RUN = b"r" * 16
DTYPES = [np.uint8, np.uint32, np.uint64]


def frame(array, sender=1, run_id=RUN, op_id=5):
    return decode_header(encode_header(sender, array, run_id, op_id)), array.tobytes()


def check(header, **overrides):
    expected = dict(expect_sender=1, run_id=RUN, op_id=5, dtype=np.uint32, count=3)
    expected.update(overrides)
    check_frame(header, **expected)


@settings(max_examples=50, deadline=None)
@given(dtype=st.sampled_from(DTYPES), n=st.integers(0, 40), sender=st.integers(0, 2),
       op_id=st.integers(0, 2**64 - 1), data=st.data())
def test_a_frame_round_trips_any_array(dtype, n, sender, op_id, data):
    top = np.iinfo(dtype).max
    array = np.array(data.draw(st.lists(st.integers(0, top), min_size=n, max_size=n)), dtype=dtype)
    run_id = secrets.token_bytes(16)
    raw = encode_header(sender, array, run_id, op_id)
    assert len(raw) == HEADER_BYTES
    header = decode_header(raw)
    check_frame(header, expect_sender=sender, run_id=run_id, op_id=op_id, dtype=dtype, count=n)
    assert np.array_equal(payload_array(array.tobytes(), dtype, n), array)


def test_edge_values_survive_both_rings():
    for dtype in (np.uint32, np.uint64):
        top = np.iinfo(dtype).max
        array = np.array([0, 1, top, top - 1, 2**31 - 1, 2**31], dtype=dtype)
        header, payload = frame(array)
        check(header, dtype=dtype, count=6)
        assert np.array_equal(payload_array(payload, dtype, 6), array)


def test_a_frame_from_another_sender_is_refused():
    header, _ = frame(np.zeros(3, dtype=np.uint32), sender=2)
    with pytest.raises(ProtocolError, match="claims sender 2, expected party 1"):
        check(header)


def test_a_frame_of_another_operation_is_refused():
    header, _ = frame(np.zeros(3, dtype=np.uint32), op_id=6)
    with pytest.raises(ProtocolError, match="operation 6, expected 5"):
        check(header)


def test_a_frame_of_another_run_is_refused():
    header, _ = frame(np.zeros(3, dtype=np.uint32), run_id=b"x" * 16)
    with pytest.raises(ProtocolError, match="another run"):
        check(header)


def test_a_frame_of_another_dtype_is_refused():
    header, _ = frame(np.zeros(3, dtype=np.uint64))
    with pytest.raises(ProtocolError, match="dtype uint64, expected uint32"):
        check(header)


def test_a_frame_of_another_length_is_refused():
    header, _ = frame(np.zeros(4, dtype=np.uint32))
    with pytest.raises(ProtocolError, match="16 bytes, expected 12"):
        check(header)


def test_an_oversized_length_is_refused_before_any_allocation():
    raw = HEADER.pack(MAGIC, VERSION, 1, 2, 0, RUN, 5, MAX_PAYLOAD_BYTES + 1)
    with pytest.raises(ProtocolError, match="over the limit"):
        decode_header(raw)


@pytest.mark.parametrize("raw", [
    HEADER.pack(b"HTTP", VERSION, 1, 2, 0, RUN, 5, 0),
    HEADER.pack(MAGIC, VERSION + 1, 1, 2, 0, RUN, 5, 0),
], ids=["bad magic", "bad version"])
def test_a_foreign_header_is_refused(raw):
    with pytest.raises(ProtocolError, match="bad magic or version"):
        decode_header(raw)


def test_an_unknown_dtype_code_is_refused():
    with pytest.raises(ProtocolError, match="unknown dtype code 9"):
        decode_header(HEADER.pack(MAGIC, VERSION, 1, 9, 0, RUN, 5, 0))


def test_a_header_is_big_endian_with_the_length_last():
    raw = encode_header(0, np.zeros(2, dtype=np.uint64), RUN, 1)
    assert raw[:4] == MAGIC and struct.unpack(">Q", raw[-8:])[0] == 16


def test_only_unsigned_ring_dtypes_can_be_framed():
    with pytest.raises(ValueError, match="cannot frame"):
        encode_header(0, np.zeros(2, dtype=np.int64), RUN, 1)
