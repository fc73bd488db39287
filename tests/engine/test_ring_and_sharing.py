"""Ring encoding and the local algebra of shares, against plaintext numpy."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mpc_engine.randomness import KeyedStream, new_key, random_array
from mpc_engine.ring import RING32, RING64, RingValueError, ring_for
from mpc_engine.sharing import (
    ArithShares,
    BoolShares,
    InconsistentShares,
    additive_shares,
    reconstruct_additive,
    reconstruct_replicated,
)

EDGES32 = [0, 1, -1, 2**31 - 1, -(2**31), 7, -7]


def replicate(secret, ring, boolean=False):
    """Deal replicated shares the slow, obvious way (test oracle)."""
    x0, x1 = random_array(ring.dtype, secret.shape), random_array(ring.dtype, secret.shape)
    x2 = (secret ^ x0 ^ x1) if boolean else (secret - x0 - x1)
    comps = [x0, x1, x2]
    kind = BoolShares if boolean else ArithShares
    return [kind(comps[i], comps[(i + 1) % 3], i) for i in range(3)]


def test_encode_names_the_index_of_an_out_of_range_value():
    with pytest.raises(RingValueError, match="index 2"):
        RING32.encode([0, 5, 2**31])
    with pytest.raises(RingValueError, match="index 0"):
        RING32.encode([-1], signed=False)


def test_ring_for_refuses_other_sizes():
    assert ring_for(64) is RING64
    with pytest.raises(RingValueError):
        ring_for(16)


def test_check_refuses_a_silent_cast():
    with pytest.raises(RingValueError, match="uint32"):
        RING32.check(np.array([1, 2], dtype=np.int64))


@pytest.mark.parametrize("ring", [RING32, RING64])
def test_signed_round_trip_over_the_whole_range(ring):
    values = [ring.signed_min, -1, 0, 1, ring.signed_max]
    assert ring.to_signed(ring.encode(values)).tolist() == values


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-(2**31), 2**31 - 1), max_size=50))
def test_additive_shares_reconstruct(values):
    secret = RING32.encode(values)
    assert np.array_equal(reconstruct_additive(additive_shares(RING32, secret)), secret)


@pytest.mark.parametrize("ring", [RING32, RING64])
def test_local_linear_algebra_matches_numpy(ring):
    x = ring.encode([0, 1, -1, ring.signed_max, ring.signed_min, 12345])
    y = ring.encode([5, -5, 2, 2, -1, 0])
    xs, ys = replicate(x, ring), replicate(y, ring)

    def opened(shares):
        return reconstruct_replicated([(s.a, s.b) for s in shares])

    c = ring.constant(-3)
    assert np.array_equal(opened([a + b for a, b in zip(xs, ys, strict=True)]), x + y)
    assert np.array_equal(opened([a - b for a, b in zip(xs, ys, strict=True)]), x - y)
    assert np.array_equal(opened([a * 7 for a in xs]), x * ring.dtype.type(7))
    assert np.array_equal(opened([a + (-3) for a in xs]), x + c)
    assert np.array_equal(opened([10 - a for a in xs]), ring.constant(10) - x)
    assert np.array_equal(opened([a.cumsum() for a in xs]), np.cumsum(x, dtype=ring.dtype))


def test_boolean_local_algebra_matches_numpy():
    x = RING32.encode([0, 1, 2**31 - 1, 12345], signed=True)
    xs = replicate(x, RING32, boolean=True)

    def opened(shares):
        return reconstruct_replicated([(s.a, s.b) for s in shares], boolean=True)

    assert np.array_equal(opened([~s for s in xs]), ~x)
    assert np.array_equal(opened([s ^ 0xF0F0 for s in xs]), x ^ np.uint32(0xF0F0))
    assert np.array_equal(opened([(s << 3) & 0xFF for s in xs]), (x << np.uint32(3)) & np.uint32(0xFF))


def test_altered_share_is_caught_at_reconstruction():
    x = RING32.encode([1, 2, 3])
    pairs = [(s.a, s.b.copy()) for s in replicate(x, RING32)]
    pairs[1][1][0] += np.uint32(1)
    with pytest.raises(InconsistentShares, match="component 2 differs between parties 1 and 2"):
        reconstruct_replicated(pairs)


def test_keyed_stream_is_deterministic_per_tag_and_key():
    key = new_key()
    a, b = KeyedStream(key), KeyedStream(key)
    assert np.array_equal(a.array(9, np.uint32, (100,)), b.array(9, np.uint32, (100,)))
    assert not np.array_equal(a.array(9, np.uint32, (100,)), a.array(10, np.uint32, (100,)))
    other = KeyedStream(new_key())
    assert not np.array_equal(a.array(9, np.uint32, (100,)), other.array(9, np.uint32, (100,)))
    assert a.array(3, np.uint64, (0,)).shape == (0,)
