"""Party.set_pairwise_keys: keys agreed elsewhere (the peer channel's key agreement)."""

import os
import threading

import numpy as np
import pytest

from mpc_engine.party import Party
from mpc_engine.protocols.arithmetic import from_additive, mul, reveal
from mpc_engine.ring import RING32, RING64
from mpc_engine.sharing import additive_shares
from mpc_engine.transport.local import LocalHub


def parties_with_keys(keys, ring=RING32):
    """Party i gets own = keys[i] (shared with i-1) and next_key = keys[i+1]."""
    parties = [Party(t, ring) for t in LocalHub().transports(os.urandom(16), timeout=10)]
    for i, party in enumerate(parties):
        party.set_pairwise_keys(keys[i], keys[(i + 1) % 3])
    return parties


@pytest.mark.parametrize("size", [16, 32])
@pytest.mark.parametrize("ring", [RING32, RING64])
def test_consistent_keys_give_zero_sharings_that_sum_to_zero(size, ring):
    parties = parties_with_keys([os.urandom(size) for _ in range(3)], ring)
    for boolean in (False, True):
        alphas = [p.zero_sharing((1000,), boolean=boolean) for p in parties]
        total = alphas[0] ^ alphas[1] ^ alphas[2] if boolean else alphas[0] + alphas[1] + alphas[2]
        assert not total.any()
        assert all(a.any() for a in alphas)  # each one alone is not zero
    t = parties[0].tag()
    assert [p.tag() for p in parties[1:]] == [t, t]
    for i in range(3):  # the key party i shares with i+1 is the one i+1 shares with i
        nxt = parties[(i + 1) % 3]
        assert np.array_equal(parties[i].common_with_next(t, 8), nxt.common_with_prev(t, 8))


def test_three_parties_with_installed_keys_multiply_correctly():
    parties = parties_with_keys([os.urandom(32) for _ in range(3)])
    x, y = RING32.encode([3, -4, 2**31 - 1]), RING32.encode([5, 6, 2])
    xs, ys = additive_shares(RING32, x), additive_shares(RING32, y)
    out = [None] * 3

    def body(i):
        p = parties[i]
        out[i] = reveal(p, mul(p, from_additive(p, xs[i]), from_additive(p, ys[i])))

    threads = [threading.Thread(target=body, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert all(np.array_equal(o, x * y) for o in out)


def test_inconsistent_keys_do_not_sum_to_zero():
    # party 2 was given a wrong next key: the zero-sharing no longer cancels
    keys = [os.urandom(16) for _ in range(3)]
    parties = parties_with_keys(keys)
    parties[2].set_pairwise_keys(keys[2], os.urandom(16))
    alphas = [p.zero_sharing((64,)) for p in parties]
    assert (alphas[0] + alphas[1] + alphas[2]).any()


@pytest.mark.parametrize("own,next_key,error", [
    (b"x" * 15, os.urandom(16), ValueError), (os.urandom(16), b"y" * 24, ValueError),
    ("a" * 16, os.urandom(16), TypeError), (bytes(16), os.urandom(16), ValueError),
    (b"k" * 16, b"k" * 16, ValueError),
])
def test_malformed_keys_are_refused(own, next_key, error):
    party = Party(LocalHub().transports(os.urandom(16))[0])
    with pytest.raises(error):
        party.set_pairwise_keys(own, next_key)
