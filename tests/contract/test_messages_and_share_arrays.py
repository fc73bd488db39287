"""The bytes both sides must agree on: signed messages, digests, ShareArrays, tokens, keys."""

import base64
import hashlib

import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from consortium.contract import keys, messages, share_arrays, tokens


def test_the_receipt_message_is_the_documented_lines():
    message = messages.receipt_message(2, 7, "5a0c8d8e-4a43-4e0f-9a59-0b2b1b3c4d5e", "ab" * 32)
    assert message == ("consortium-mpc receipt v1\n2\n7\n5a0c8d8e-4a43-4e0f-9a59-0b2b1b3c4d5e\n"
                       + "ab" * 32 + "\n").encode()


def test_the_outputs_message_is_the_documented_lines():
    assert messages.outputs_message(0, "run", "cd" * 32) == ("consortium-mpc outputs v1\n0\nrun\n"
                                                             + "cd" * 32 + "\n").encode()


def test_the_digest_is_of_the_canonical_json_whatever_the_key_order():
    a = messages.shares_digest({"b": "1", "a": "2"}, {"a": "1", "b": "0"})
    b = messages.shares_digest({"a": "2", "b": "1"}, {"b": "0", "a": "1"})
    assert a == b and len(a) == 64
    # sort_keys, no spaces: exactly these bytes

    raw = b'{"submitted":{"a":"1","b":"0"},"values":{"a":"2","b":"1"}}'
    assert a == hashlib.sha256(raw).hexdigest()


@given(st.sampled_from([(32, np.uint32), (64, np.uint64)]), st.lists(st.integers(0, 2**64 - 1), max_size=50))
def test_a_share_array_round_trips(ring, values):
    bits, dtype = ring
    array = np.array([v % 2**bits for v in values], dtype=dtype)
    encoded = share_arrays.encode(array)
    assert encoded["dtype"] == f"u{bits}"
    assert np.array_equal(share_arrays.decode(bits, encoded, len(values)), array)


@pytest.mark.parametrize("bad, why", [
    ({"dtype": "u64", "data": ""}, "dtype is not u32"),
    ({"dtype": "u32", "data": "!!!"}, "not base64"),
    ({"dtype": "u32", "data": base64.b64encode(b"\0" * 12).decode()}, "length is not 2 words"),
])
def test_a_malformed_share_array_is_refused_saying_why(bad, why):
    with pytest.raises(ValueError, match=why):
        share_arrays.decode(32, bad, 2)


def test_a_share_array_is_little_endian():
    encoded = share_arrays.encode(np.array([1], dtype=np.uint32))
    assert base64.b64decode(encoded["data"]) == b"\x01\x00\x00\x00"


def test_a_token_has_256_bits_and_is_stored_as_its_sha256():
    token = tokens.new_token()
    assert len(token) == tokens.TOKEN_LENGTH == 43 and token != tokens.new_token()
    assert len(tokens.hash_token(token)) == 64 and tokens.hash_token(token) != token


def test_a_signature_verifies_only_for_its_key_and_message():
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    public = keys.public_key(keys.encode_public_key(key))
    signature = keys.sign(key, b"message")
    assert keys.signature_is_valid(public, b"message", signature)
    assert not keys.signature_is_valid(public, b"messagE", signature)
    assert not keys.signature_is_valid(public, b"message", keys.sign(other, b"message"))
    assert not keys.signature_is_valid(public, b"message", "not base64!")


@pytest.mark.parametrize("encoded", ["", "AAAA", "not base64", base64.b64encode(bytes(32)).decode()])
def test_a_missing_malformed_or_small_order_key_is_no_key(encoded):
    assert keys.public_key(encoded) is None


def test_the_deletion_message_is_the_documented_lines():
    import datetime

    at = messages.deletion_time(datetime.datetime(2026, 12, 5, 3, 4, 5, 678, tzinfo=datetime.timezone(
        datetime.timedelta(hours=2))))
    assert at == "2026-12-05T01:04:05Z"  # UTC, whole seconds
    message = messages.deletion_message(1, 7, 12, at)
    assert message == b"consortium-mpc deletion v1\n1\n7\n12\n2026-12-05T01:04:05Z\n"
