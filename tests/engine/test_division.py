"""Division: secret / public (floor), secret / secret (toward zero), fixed point, zero divisors, costs."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mpc_engine import costs
from mpc_engine.protocols.arithmetic import reveal
from mpc_engine.protocols.division import div, div_fixed, div_or_flag, div_public
from mpc_engine.ring import RING32, RING64
from mpc_engine.runner import run_with_inputs
from mpc_engine.transport.recording import RecordingTransport
from tests.engine.test_privacy_and_cost import looks_uniform, views

RINGS = {32: RING32, 64: RING64}


def edges(bits):
    top = 1 << (bits - 1)
    return [0, 1, -1, 2, -2, 3, -7, 100, top - 1, -top, top - 2, -top + 1]


def trunc_div(a: int, b: int, frac_bits: int = 0) -> int:
    """Plaintext reference: a * 2^f / b truncated toward zero, 0 for b == 0."""
    if b == 0:
        return 0
    q = (abs(a) << frac_bits) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def wrap(value: int, bits: int) -> int:
    """A Python integer as the ring's signed reading (-2^(k-1) / -1 wraps, as in C)."""
    return (value + (1 << (bits - 1))) % (1 << bits) - (1 << (bits - 1))


def opened(program, inputs, ring, signed=True):
    """Run `program` on shared inputs and return the revealed outputs as Python ints."""
    arrays = [ring.encode(v, signed=signed) for v in inputs]
    run = run_with_inputs(lambda p, *xs: [reveal(p, o) for o in program(p, *xs)], arrays, ring)
    return [[int(v) for v in ring.to_signed(o)] for o in run.outputs[0]]


def signed_ints(bits):
    top = 1 << (bits - 1)
    return st.one_of(st.sampled_from(edges(bits)), st.integers(-top, top - 1),
                     st.integers(-1000, 1000))


# -- secret / secret ----------------------------------------------------------------------------
@pytest.mark.parametrize("bits", [32, 64])
def test_div_matches_truncation_toward_zero_on_all_edge_pairs(bits):
    vals = edges(bits)
    xs = [a for a in vals for _ in vals]
    ys = [b for _ in vals for b in vals]
    q, ok = opened(lambda p, x, y: div_or_flag(p, x, y), [xs, ys], RINGS[bits])
    assert q == [wrap(trunc_div(a, b), bits) for a, b in zip(xs, ys, strict=True)]
    assert ok == [int(b != 0) for b in ys]


@pytest.mark.parametrize("bits, examples", [(32, 40), (64, 10)])
def test_div_matches_python_integers(bits, examples):
    @settings(max_examples=examples, deadline=None)
    @given(pairs=st.lists(st.tuples(signed_ints(bits), signed_ints(bits)), max_size=30))
    def check(pairs):
        xs, ys = [a for a, _ in pairs], [b for _, b in pairs]
        (q,) = opened(lambda p, x, y: [div(p, x, y)], [xs, ys], RINGS[bits])
        assert q == [wrap(trunc_div(a, b), bits) for a, b in pairs]

    check()


@pytest.mark.parametrize("bits", [32, 64])
@pytest.mark.parametrize(("bound", "frac_bits"),
                         [(1000, 0), (10**6, 0), (1, 0), (0, 0), (5000, 8), (2**20 - 1, 3)])
def test_a_dividend_bound_gives_the_same_quotients_in_fewer_steps(bits, bound, frac_bits):
    rng = np.random.default_rng(bound + bits)
    xs = [0, bound, -bound, 1 if bound else 0] + rng.integers(-bound, bound + 1, 30).tolist()
    ys = [1, -1, 7, 0] + rng.integers(-(2**15), 2**15, 30).tolist()
    q, ok = opened(lambda p, x, y: div_or_flag(p, x, y, frac_bits=frac_bits, dividend_max=bound),
                   [xs, ys], RINGS[bits])
    assert q == [wrap(trunc_div(a, b, frac_bits), bits) for a, b in zip(xs, ys, strict=True)]
    assert ok == [int(b != 0) for b in ys]


@pytest.mark.parametrize("bits", [32, 64])
@pytest.mark.parametrize(("num_max", "den_max", "frac_bits"),
                         [(10**6, 10_000, 0), (10**4, 1, 0), (1000, 1000, 6), (None, 2**13, 0),
                          (5, 2**16 - 1, 2)])
def test_a_divisor_bound_gives_the_same_quotients_with_a_narrower_adder(bits, num_max, den_max, frac_bits):
    rng = np.random.default_rng(den_max + bits)
    top = num_max if num_max is not None else 2 ** (bits - 1) - 1 >> frac_bits
    xs = [0, top, -top, 1, -1] + rng.integers(-top, top + 1, 30).tolist()
    ys = [den_max, -den_max, 1, -1, 0] + rng.integers(-den_max, den_max + 1, 30).tolist()
    q, ok = opened(lambda p, x, y: div_or_flag(p, x, y, frac_bits=frac_bits, dividend_max=num_max,
                                               divisor_max=den_max), [xs, ys], RINGS[bits])
    assert q == [wrap(trunc_div(a, b, frac_bits), bits) for a, b in zip(xs, ys, strict=True)]
    assert ok == [int(b != 0) for b in ys]


def test_unsigned_division_with_a_narrow_divisor_bound_is_exact():
    xs, ys = [2**32 - 1, 0, 12345, 2**31], [255, 1, 100, 3]
    arrays = [RING32.encode(xs, signed=False), RING32.encode(ys, signed=False)]
    run = run_with_inputs(lambda p, x, y: reveal(p, div(p, x, y, signed=False, divisor_max=255)), arrays)
    assert run.outputs[0].tolist() == [a // b for a, b in zip(xs, ys, strict=True)]


def test_a_dividend_beyond_its_bound_gives_some_quotient_and_no_error():
    xs, ys = [10**9, -(2**31), 2**31 - 1, 5], [3, -1, 0, 2]
    q, ok = opened(lambda p, x, y: div_or_flag(p, x, y, dividend_max=1000), [xs, ys], RING32)
    assert q[3] == 2 and q[2] == 0 and ok == [1, 1, 0, 1]  # the in-bound one exact, a zero divisor 0
    with pytest.raises(ValueError, match="dividend_max"):
        opened(lambda p, x, y: div_or_flag(p, x, y, dividend_max=-1), [xs, ys], RING32)


def test_zero_divisor_gives_zero_and_a_cleared_flag_without_raising():
    xs = [5, -5, 0, 2**31 - 1, -(2**31), 7]
    ys = [0, 0, 0, 0, 0, 2]
    q, ok = opened(lambda p, x, y: div_or_flag(p, x, y), [xs, ys], RING32)
    assert q == [0, 0, 0, 0, 0, 3]
    assert ok == [0, 0, 0, 0, 0, 1]


def test_divisor_larger_than_the_dividend_gives_zero():
    xs = [3, -3, 2**31 - 2, -(2**31) + 1]
    ys = [4, 4, 2**31 - 1, -(2**31)]
    (q,) = opened(lambda p, x, y: [div(p, x, y)], [xs, ys], RING32)
    assert q == [0, 0, 0, 0]


@pytest.mark.parametrize("n", [0, 1, 3, 100])
def test_div_works_for_any_length(n):
    rng = np.random.default_rng(n)  # test inputs only
    xs = [int(v) for v in rng.integers(-(2**31), 2**31, n)]
    ys = [int(v) >> int(s) for v, s in zip(rng.integers(-(2**31), 2**31, n), rng.integers(0, 31, n),
                                          strict=True)]
    (q,) = opened(lambda p, x, y: [div(p, x, y)], [xs, ys], RING32)
    assert q == [wrap(trunc_div(a, b), 32) for a, b in zip(xs, ys, strict=True)]


@settings(max_examples=10, deadline=None)
@given(pairs=st.lists(st.tuples(st.integers(0, 2**32 - 1),
                                st.one_of(st.integers(0, 2**31), st.sampled_from([0, 1, 2**31]))),
                      max_size=20))
def test_unsigned_div_matches_floor_division(pairs):
    xs, ys = [a for a, _ in pairs], [b for _, b in pairs]
    arrays = [RING32.encode(xs, signed=False), RING32.encode(ys, signed=False)]
    run = run_with_inputs(lambda p, x, y: reveal(p, div(p, x, y, signed=False)), arrays, RING32)
    assert [int(v) for v in run.outputs[0]] == [a // b if b else 0 for a, b in pairs]


def test_div_keeps_the_shape_of_a_matrix():
    x, y = RING32.encode([7, -9, 10, 11, 0, -1]), RING32.encode([2, 2, -3, 0, 5, 1])
    run = run_with_inputs(lambda p, a, b: reveal(p, div(p, a.reshape(2, 3), b.reshape(2, 3))), [x, y])
    assert RING32.to_signed(run.outputs[0]).tolist() == [[3, -4, -3], [0, 0, -1]]


def test_long_vectors_are_divided_in_chunks_with_the_same_results(monkeypatch):
    from mpc_engine.protocols import division

    monkeypatch.setattr(division, "DIVISION_CHUNK_ELEMENTS", 4)
    xs, ys = [7, -9, 10, 11, 0, -1, 2**31 - 1, -(2**31), 5, 100], [2, 2, -3, 0, 5, 1, 7, -1, 0, 9]
    arrays = [RING32.encode(xs), RING32.encode(ys)]
    run = run_with_inputs(lambda p, x, y: [reveal(p, v) for v in div_or_flag(p, x, y)], arrays)
    q, ok = (RING32.to_signed(v).tolist() for v in run.outputs[0])
    assert q == [wrap(trunc_div(a, b), 32) for a, b in zip(xs, ys, strict=True)]
    assert ok == [int(b != 0) for b in ys]
    want = costs.div_cost(len(xs), 32, chunk=4) + costs.reveal_cost(len(xs)) + costs.reveal_cost(len(xs))
    assert want.rounds == 3 * 203 + 2  # 4 + 4 + 2 elements: three chunks, then the two reveals
    assert [(s.rounds, s.bytes_sent) for s in run.stats] == list(zip([want.rounds] * 3,
                                                                      want.per_party_bytes(32), strict=True))


# -- fixed point --------------------------------------------------------------------------------
@pytest.mark.parametrize("bits, examples", [(32, 30), (64, 8)])
def test_div_fixed_is_within_one_unit_of_the_exact_ratio(bits, examples):
    top = 1 << (bits - 1)

    @settings(max_examples=examples, deadline=None)
    @given(data=st.data(), f=st.integers(1, 16))
    def check(data, f):
        ys = data.draw(st.lists(st.integers(-top, top - 1).filter(bool), min_size=1, max_size=12))
        xs = [data.draw(st.integers(-min(top, ((top - 1) * abs(y)) >> f), min(top - 1, (top - 1) * abs(y)
                                                                                  >> f))) for y in ys]
        (q,) = opened(lambda p, x, y: [div_fixed(p, x, y, frac_bits=f)], [xs, ys], RINGS[bits])
        for got, a, b in zip(q, xs, ys, strict=True):
            assert got == trunc_div(a, b, f)
            assert abs(Fraction(got, 1 << f) - Fraction(a, b)) < Fraction(1, 1 << f)

    check()


def test_div_fixed_of_a_zero_divisor_is_zero():
    (q,) = opened(lambda p, x, y: [div_fixed(p, x, y, frac_bits=8)], [[1, 3], [0, 2]], RING32)
    assert q == [0, 384]


# -- secret / public ----------------------------------------------------------------------------
@pytest.mark.parametrize("bits", [32, 64])
def test_div_public_floors_the_edges_for_every_kind_of_divisor(bits):
    top = 1 << (bits - 1)
    xs = edges(bits)
    for d in [1, 2, 3, 7, 10, 1000, 2**20 + 7, top - 1, top]:
        (q,) = opened(lambda p, x, d=d: [div_public(p, x, d)], [xs], RINGS[bits])
        assert q == [a // d for a in xs], d


@pytest.mark.parametrize("bits, examples", [(32, 60), (64, 20)])
def test_div_public_matches_python_floor_division(bits, examples):
    top = 1 << (bits - 1)

    @settings(max_examples=examples, deadline=None)
    @given(xs=st.lists(signed_ints(bits), max_size=40),
           d=st.one_of(st.integers(1, 100), st.integers(1, top), st.sampled_from([1, top, top - 1])))
    def check(xs, d):
        (q,) = opened(lambda p, x: [div_public(p, x, d)], [xs], RINGS[bits])
        assert q == [a // d for a in xs]

    check()


@settings(max_examples=15, deadline=None)
@given(xs=st.lists(st.integers(0, 2**32 - 1), max_size=30), d=st.integers(1, 2**31))
def test_unsigned_div_public_matches_floor_division(xs, d):
    run = run_with_inputs(lambda p, x: reveal(p, div_public(p, x, d, signed=False)),
                          [RING32.encode(xs, signed=False)], RING32)
    assert [int(v) for v in run.outputs[0]] == [a // d for a in xs]


@pytest.mark.parametrize("n", [0, 1, 3, 100])
def test_div_public_works_for_any_length(n):
    xs = [int(v) for v in np.random.default_rng(n).integers(-(2**31), 2**31, n)]
    (q,) = opened(lambda p, x: [div_public(p, x, 12)], [xs], RING32)
    assert q == [a // 12 for a in xs]


@pytest.mark.parametrize("d", [0, -3, 2**31 + 1, 2**32 - 1, np.uint32(2**31 + 1), np.int64(0)])
def test_div_public_refuses_a_divisor_out_of_range(d):
    for signed in (True, False):
        with pytest.raises(ValueError, match="public divisor"):
            opened(lambda p, x, signed=signed: [div_public(p, x, d, signed=signed)], [[1]], RING32)


@pytest.mark.parametrize("d", [np.uint32(2**31), np.int64(7), np.uint64(3)])
def test_div_public_takes_numpy_integer_divisors(d):
    (q,) = opened(lambda p, x: [div_public(p, x, d, signed=False)], [[2**32 - 1, 5]], RING32, signed=False)
    assert [v % 2**32 for v in q] == [(2**32 - 1) // int(d), 5 // int(d)]


def test_unsigned_secret_division_refuses_a_divisor_bound_above_half_the_ring():
    arrays = [RING32.encode([2**32 - 1, 7], signed=False), RING32.encode([2**31, 2], signed=False)]

    def program(p, x, y, bound):
        return reveal(p, div(p, x, y, signed=False, divisor_max=bound))

    for bound in (2**31 + 1, 2**32 - 1):
        with pytest.raises(ValueError, match="unsigned division needs divisors"):
            run_with_inputs(lambda p, x, y, b=bound: program(p, x, y, b), arrays)
    run = run_with_inputs(lambda p, x, y: program(p, x, y, 2**31), arrays)  # the bound itself: exact
    assert run.outputs[0].tolist() == [(2**32 - 1) // 2**31, 3]
    # the precondition matters: a divisor above 2^(k-1) gives a wrong quotient
    big = [RING32.encode([2**32 - 1], signed=False), RING32.encode([2**31 + 5], signed=False)]
    wrong = run_with_inputs(lambda p, x, y: reveal(p, div(p, x, y, signed=False)), big)
    assert wrong.outputs[0].tolist() != [1]


# -- costs and obliviousness --------------------------------------------------------------------
def costs_of(program, n, ring):
    x = np.arange(n, dtype=ring.dtype)
    run = run_with_inputs(program, [x, x[::-1] + ring.dtype.type(1)], ring)
    return [(s.rounds, s.bytes_sent) for s in run.stats]


@pytest.mark.parametrize("ring", [RING32, RING64])
@pytest.mark.parametrize("n", [1, 37])
def test_measured_costs_are_the_cost_functions(ring, n):
    k, f = ring.bits, 8
    cases = {
        "div": (lambda p, x, y: div(p, x, y), costs.div_cost(n, k)),
        "unsigned": (lambda p, x, y: div(p, x, y, signed=False), costs.div_cost(n, k, signed=False)),
        "fixed": (lambda p, x, y: div_fixed(p, x, y, frac_bits=f), costs.div_cost(n, k, frac_bits=f)),
        "public": (lambda p, x, y: div_public(p, x, 10), costs.div_public_cost(n, k)),
    }
    cases["bounded"] = (lambda p, x, y: div_or_flag(p, x, y, dividend_max=10**6)[0],
                        costs.div_cost(n, k, dividend_bits=20))
    cases["both bounded"] = (lambda p, x, y: div_or_flag(p, x, y, dividend_max=10**6, divisor_max=10**4)[0],
                             costs.div_cost(n, k, dividend_bits=20, divisor_bits=14))
    cases["bounded fixed"] = (lambda p, x, y: div_or_flag(p, x, y, frac_bits=f, dividend_max=1000)[0],
                              costs.div_cost(n, k, frac_bits=f, dividend_bits=10))
    for name, (program, want) in cases.items():
        assert costs_of(program, n, ring) == [(want.rounds, b) for b in want.per_party_bytes(k)], name
    if k == 64:  # added value / employees: 40 steps for |x| <= 10^12 instead of 64, adders of 22 bits
        assert costs.div_cost(1, 64, dividend_bits=(10**12).bit_length()).rounds == 40 * 7 + 12 < 460
        assert costs.div_cost(1, 64, dividend_bits=40, divisor_bits=20).rounds == 40 * 6 + 12
    if k == 32:  # the figures performance.md quotes
        assert costs.div_cost(1, 32).rounds == 203 and costs.div_public_cost(1, 32).rounds == 10


@pytest.mark.parametrize("name", ["div", "public"])
def test_trace_does_not_depend_on_the_data(name):
    program = {"div": lambda p, x, y: div_or_flag(p, x, y),
               "public": lambda p, x, y: div_public(p, x, 7)}[name]

    def trace(xs, ys):
        arrays = [RING32.encode(xs), RING32.encode(ys)]
        run = run_with_inputs(program, arrays, RING32, wrap=RecordingTransport)
        return [p.transport.trace for p in run.parties]

    a = trace([0] * 6, [0] * 6)
    assert a == trace([2**31 - 1, -(2**31), -1, 5, 0, 9], [1, -1, 0, 2**31 - 1, -(2**31), 3])


@pytest.mark.parametrize("name", ["div", "public"])
def test_each_partys_view_is_uniform_whatever_the_secrets(name):
    program = {"div": lambda p, x, y: div_or_flag(p, x, y),
               "public": lambda p, x, y: div_public(p, x, 7)}[name]
    for secret_x, secret_y in ((0, 0), (2**31 - 1, -(2**31)), (-5, 3)):
        received, _ = views(program, secret_x, secret_y)
        for pid, messages in enumerate(received):
            for k, message in enumerate(messages):
                if message.dtype != np.uint8:  # not the key exchange
                    assert looks_uniform(message), f"party {pid}'s message {k}"
