"""A party's view is uniform whatever the secret; traces depend on n only; costs are as documented.

Privacy: n copies of one secret run through a protocol in one vectorised call give n
independent samples of every message a party receives; each message's top and
bottom bytes must pass a chi-square uniformity test at alpha = 1e-6, for two very
different secrets.  A control shows that the same check rejects a secret-dependent
array, so the test has power.
"""

import math

import numpy as np
import pytest

from mpc_engine import costs
from mpc_engine.protocols.arithmetic import mul, reshare, reveal
from mpc_engine.protocols.boolean import a2b, bit_to_arith, msb
from mpc_engine.protocols.compare import eq, lt, select_by_bit
from mpc_engine.ring import RING32, RING64
from mpc_engine.runner import run_with_inputs
from mpc_engine.transport.recording import RecordingTransport

ALPHA_Z = 4.753  # standard normal quantile for a one-sided alpha of 1e-6
SAMPLES = 20_000


def chi2_critical(df: int) -> float:
    """Wilson-Hilferty approximation of the chi-square quantile for alpha = 1e-6."""
    h = 2.0 / (9.0 * df)
    return df * (1.0 - h + ALPHA_Z * math.sqrt(h)) ** 3


def looks_uniform(words: np.ndarray) -> bool:
    """Top and bottom byte of every word: chi-square over 256 bins at alpha = 1e-6."""
    bits = words.dtype.itemsize * 8
    for byte in (words >> np.array(bits - 8, dtype=words.dtype), words):
        counts = np.bincount((byte & np.array(0xFF, dtype=words.dtype)).astype(np.int64), minlength=256)
        expected = len(words) / 256
        if ((counts - expected) ** 2 / expected).sum() > chi2_critical(255):
            return False
    return True


PROTOCOLS = {
    "mul": lambda p, x, y: mul(p, x, y),
    "a2b": lambda p, x, y: a2b(p, x),
    "msb_b2a": lambda p, x, y: bit_to_arith(p, msb(p, x)),
    "lt": lambda p, x, y: lt(p, x, y),
    "eq": lambda p, x, y: eq(p, x, y),
}


def views(program, secret_x, secret_y, ring=RING32, n=SAMPLES):
    x = np.full(n, ring.constant(secret_x), dtype=ring.dtype)
    y = np.full(n, ring.constant(secret_y), dtype=ring.dtype)
    run = run_with_inputs(lambda p, X, Y: program(p, X, Y), [x, y], ring,
                          wrap=lambda t: RecordingTransport(t, keep_payloads=True))
    return [p.transport.received for p in run.parties], run


def test_the_uniformity_check_has_power():
    rng = np.random.default_rng(1)  # test data only
    assert looks_uniform(rng.integers(0, 2**32, SAMPLES, dtype=np.uint64).astype(np.uint32))
    skewed = rng.integers(0, 2**32, SAMPLES, dtype=np.uint64).astype(np.uint32) & np.uint32(0xFFFFFF7F)
    assert not looks_uniform(skewed)  # one bit stuck at zero
    assert not looks_uniform(np.full(SAMPLES, 5, dtype=np.uint32))


@pytest.mark.parametrize("name", sorted(PROTOCOLS))
def test_each_partys_view_is_uniform_for_different_secrets(name):
    for secret_x, secret_y in ((0, 0), (2**31 - 1, -(2**31)), (-1, 1)):
        received, _ = views(PROTOCOLS[name], secret_x, secret_y)
        for pid, messages in enumerate(received):
            # the first messages of run_with_inputs are the input conversion, also part of the view
            for k, message in enumerate(messages):
                if message.dtype == np.uint8:
                    continue  # the 16-byte key exchange
                assert looks_uniform(message), f"{name}: party {pid}'s message {k} is not uniform"


def test_a_missing_mask_would_be_caught():
    """Control: a reshare without its zero-sharing leaks x*y; the same check flags it."""

    def unmasked_mul(p, x, y):
        z = x.a * y.a + x.a * y.b + x.b * y.a
        (z_next,) = p.exchange(to_prev=z, from_next=(z.dtype, z.shape))
        return z_next

    received, _ = views(unmasked_mul, 3, 5)
    assert not all(looks_uniform(m) for messages in received for m in messages if m.dtype != np.uint8)
    assert reshare  # the masked version is what mul uses


@pytest.mark.parametrize("name", sorted(PROTOCOLS))
@pytest.mark.parametrize("ring", [RING32, RING64])
def test_trace_depends_on_n_only(name, ring):
    def trace(xs, ys):
        x, y = ring.encode(xs), ring.encode(ys)
        run = run_with_inputs(PROTOCOLS[name], [x, y], ring, wrap=RecordingTransport)
        return [p.transport.trace for p in run.parties]

    n = 9
    a = trace([0] * n, [0] * n)
    b = trace([ring.signed_max, -1, 5, 0, 7, ring.signed_min, 1, 2, 3], [-1] * n)
    assert a == b
    assert trace([1] * (n + 1), [1] * (n + 1)) != a  # a trace does change with n


def cost(program, n, ring=RING32):
    x = np.arange(n, dtype=ring.dtype)
    run = run_with_inputs(program, [x, x[::-1].copy()], ring)
    return [(s.rounds, s.bytes_sent) for s in run.stats]


@pytest.mark.parametrize("ring", [RING32, RING64])
@pytest.mark.parametrize("n", [1, 37])
def test_measured_costs_are_the_cost_functions(ring, n):
    k = ring.bits
    expected = {
        "mul": costs.mul_cost(n),
        "a2b": costs.a2b_cost(n, k),
        "msb_b2a": costs.a2b_cost(n, k) + costs.bit_to_arith_cost(n),
        "lt": costs.lt_cost(n, k),
        "eq": costs.eq_cost(n, k),
    }
    for name, cost_of in expected.items():
        got = cost(PROTOCOLS[name], n, ring)
        assert got == [(cost_of.rounds, b) for b in cost_of.per_party_bytes(k)], name


@pytest.mark.parametrize("ring", [RING32, RING64])
def test_cost_functions_give_the_figures_quoted_in_docs(ring):
    # docs/performance.md and the README quote these: a guard against an edit of one formula only
    k, L = ring.bits, int(math.log2(ring.bits))
    assert costs.lt_cost(1, k) == costs.Cost(3 + L, 6 * L + 4, 6 * L + 1)
    assert costs.eq_cost(1, k).rounds == 1 + L
    assert costs.a2b_cost(1, k).rounds == 2 + L


@pytest.mark.parametrize("ring", [RING32, RING64])
def test_reveal_and_select_by_bit_cost_what_their_cost_functions_say(ring):
    n, k = 11, ring.bits
    got = cost(lambda p, x, y: reveal(p, x), n, ring)
    assert got == [(1, b) for b in costs.reveal_cost(n).per_party_bytes(k)]
    got = cost(lambda p, x, y: select_by_bit(p, msb(p, x), x, y), n, ring)
    want = costs.a2b_cost(n, k) + costs.select_by_bit_cost(n)
    assert got == [(want.rounds, b) for b in want.per_party_bytes(k)]


def test_lt_against_a_public_value_is_cheaper():
    got = cost(lambda p, x, y: lt(p, x, 100), 10)
    want = costs.lt_cost(10, 32, public=True)
    assert got == [(want.rounds, b) for b in want.per_party_bytes(32)]
    assert want.words < costs.lt_cost(10, 32).words


def test_every_protocol_docstring_names_an_existing_cost_function():
    # the one source of truth: docstrings point at `mpc_engine.costs`, tests hold the code to it
    import re

    from mpc_engine.protocols import arithmetic, boolean, compare, division, shuffle
    from mpc_engine.sorting import batcher, radix
    from mpc_engine.validation import validate_many

    functions = [arithmetic.reshare, arithmetic.input_known, arithmetic.mul, arithmetic.and_,
                 arithmetic.reveal, arithmetic.select, boolean.a2b, boolean.msb, boolean.bit_to_arith,
                 compare.lt, compare.gt, compare.le, compare.eq, compare.to_arith, compare.select_by_bit,
                 division.div, division.div_or_flag, division.div_fixed, division.div_public,
                 shuffle.shuffle, shuffle.shuffle_many, validate_many, batcher.sort_network,
                 radix.radix_sort]
    for function in functions:
        named = re.findall(r"`(?:costs\.)?(\w+_cost)`", function.__doc__ or "")
        assert named, f"{function.__name__}'s docstring names no cost function"
        for name in named:
            assert callable(getattr(costs, name, None)), f"{function.__name__}: costs.{name} does not exist"
