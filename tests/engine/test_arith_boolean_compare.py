"""Multiplication, reveal, A2B, B2A, comparison and equality against plaintext numpy."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mpc_engine.protocols.arithmetic import input_known, mul, output_pair, reveal, select
from mpc_engine.protocols.boolean import a2b, bit_to_arith, msb
from mpc_engine.protocols.compare import eq, gt, le, lt, to_arith
from mpc_engine.ring import RING32, RING64
from mpc_engine.runner import run_with_inputs
from mpc_engine.sharing import reconstruct_replicated

EDGES = {32: [0, 1, -1, 2**31 - 1, -(2**31), 2, -2], 64: [0, 1, -1, 2**63 - 1, -(2**63), 2, -2]}
RINGS = {32: RING32, 64: RING64}


def values(bits, max_size=40):
    edge = st.sampled_from(EDGES[bits])
    anyv = st.integers(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    return st.lists(st.one_of(edge, anyv), max_size=max_size)


def pairs(bits, max_size=40):
    """Two equal-length lists; the second reuses values of the first so that ties occur."""
    anyv = st.integers(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)

    def partner(xs):
        pick = st.one_of(st.sampled_from(EDGES[bits] + xs), anyv)
        return st.tuples(st.just(xs), st.lists(pick, min_size=len(xs), max_size=len(xs)))

    return values(bits, max_size).flatmap(partner)


def opened(run):
    return run.outputs[0]


@pytest.mark.parametrize("bits", [32, 64])
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_mul_and_select_match_numpy(bits, data):
    ring = RINGS[bits]
    xs, ys = data.draw(pairs(bits))
    x, y = ring.encode(xs), ring.encode(ys)
    c = ring.encode([v % 2 for v in xs])
    out = run_with_inputs(lambda p, X, Y, C: (reveal(p, mul(p, X, Y)), reveal(p, select(p, C, X, Y))),
                          [x, y, c], ring)
    product, chosen = opened(out)
    assert np.array_equal(product, x * y)
    assert np.array_equal(chosen, np.where(c == 1, x, y))


@pytest.mark.parametrize("bits", [32, 64])
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_a2b_gives_the_bits_and_msb_the_sign(bits, data):
    ring = RINGS[bits]
    x = ring.encode(data.draw(values(bits)) or [0])
    out = run_with_inputs(lambda p, X: (output_pair(a2b(p, X)), reveal(p, msb(p, X)),
                                        reveal(p, bit_to_arith(p, msb(p, X)))), [x], ring)
    bits_shared = reconstruct_replicated([o[0] for o in out.outputs], boolean=True)
    assert np.array_equal(bits_shared, x)
    sign = (ring.to_signed(x) < 0).astype(ring.dtype)
    assert np.array_equal(opened(out)[1], sign)
    assert np.array_equal(opened(out)[2], sign)


@pytest.mark.parametrize("bits", [32, 64])
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_comparisons_hold_over_the_whole_range(bits, data):
    ring = RINGS[bits]
    xs, ys = data.draw(pairs(bits))
    x, y = ring.encode(xs), ring.encode(ys)

    def program(p, X, Y):
        return [reveal(p, r) for r in (lt(p, X, Y), lt(p, X, Y, signed=False), eq(p, X, Y),
                                       le(p, X, Y), gt(p, X, Y))] + [reveal(p, to_arith(p, lt(p, X, Y)))]

    got = opened(run_with_inputs(program, [x, y], ring))
    sx, sy = ring.to_signed(x), ring.to_signed(y)
    expected = [sx < sy, x < y, sx == sy, sx <= sy, sx > sy, sx < sy]
    for g, e in zip(got, expected, strict=True):
        assert np.array_equal(g, e.astype(ring.dtype))


@pytest.mark.parametrize("public", [0, 1, -1, 2**31 - 1, -(2**31), 1000])
def test_comparison_with_a_public_bound(public):
    xs = EDGES[32] + [999, 1000, 1001]
    x = RING32.encode(xs)

    def program(p, X):
        return reveal(p, lt(p, X, public)), reveal(p, gt(p, X, public)), reveal(p, le(p, X, public))

    below, above, at_most = opened(run_with_inputs(program, [x]))
    sx = np.array(xs)
    assert below.tolist() == (sx < public).astype(int).tolist()
    assert above.tolist() == (sx > public).astype(int).tolist()
    assert at_most.tolist() == (sx <= public).astype(int).tolist()


def test_equal_keys_and_all_equal_vectors_compare_as_equal():
    x = RING32.encode([5] * 7 + [-(2**31)] * 3)
    out = opened(run_with_inputs(lambda p, X, Y: (reveal(p, eq(p, X, Y)), reveal(p, lt(p, X, Y))),
                                 [x, x.copy()]))
    assert out[0].tolist() == [1] * 10
    assert out[1].tolist() == [0] * 10


@pytest.mark.parametrize("n", [0, 1, 2, 3, 1000])
def test_protocols_accept_any_length(n):
    rng = np.random.default_rng(n)  # test inputs only
    x = rng.integers(-(2**31), 2**31, n).astype(np.int64).astype(np.uint32)
    y = rng.integers(-(2**31), 2**31, n).astype(np.int64).astype(np.uint32)

    def program(p, X, Y):
        return reveal(p, mul(p, X, Y)), reveal(p, lt(p, X, Y)), reveal(p, eq(p, X, X))

    prod, less, same = opened(run_with_inputs(program, [x, y]))
    assert np.array_equal(prod, x * y)
    assert np.array_equal(less, (x.view(np.int32) < y.view(np.int32)).astype(np.uint32))
    assert same.tolist() == [1] * n


def test_input_known_shares_a_value_only_its_owner_has():
    value = RING32.encode([3, -4, 2**31 - 1])

    def program(p, X):
        mine = value if p.pid == 1 else None
        return reveal(p, input_known(p, 1, mine, value.shape) + X)

    out = opened(run_with_inputs(program, [RING32.encode([1, 1, 1])]))
    assert np.array_equal(out, value + np.uint32(1))


@pytest.mark.parametrize("protocol", [mul, lt, eq])
def test_mismatched_lengths_are_a_clear_error(protocol):
    with pytest.raises(ValueError, match=r"shapes \(3,\) and \(2,\) do not match"):
        run_with_inputs(lambda p, X, Y: protocol(p, X, Y), [RING32.encode([1, 2, 3]), RING32.encode([1, 2])])


# -- public comparands: the whole documented range, Python and numpy integers -------------------
def compare_public(ring, xs, y, op, signed):
    def program(p, x):
        bit = op(p, x, y) if signed is None else op(p, x, y, signed=signed)
        return reveal(p, bit) & ring.dtype.type(1)

    return run_with_inputs(program, [xs], ring).outputs[0].tolist()


@pytest.mark.parametrize("bits", [32, 64])
def test_public_comparands_cover_the_documented_range_as_int_and_numpy(bits):
    ring = RINGS[bits]
    top = 2 ** (bits - 1)
    raw = [0, 1, top - 1, top, top + 1, 2**bits - 1]  # as unsigned ring elements
    xs = np.array(raw, dtype=ring.dtype)
    unsigned, signed = np.array(raw, dtype=object), ring.to_signed(xs).astype(object)
    udt, sdt = ring.dtype.type, ring.signed_dtype.type
    for y in (top, top + 1, 2**bits - 1, udt(top), udt(2**bits - 1), np.uint8(200), 0):
        assert compare_public(ring, xs, y, lt, False) == [int(v < int(y)) for v in unsigned], y
        assert compare_public(ring, xs, y, gt, False) == [int(v > int(y)) for v in unsigned], y
    for y in (-top, top - 1, -1, sdt(-top), sdt(top - 1), np.int16(-5), np.int64(7)):
        assert compare_public(ring, xs, y, lt, True) == [int(v < int(y)) for v in signed], y
        assert compare_public(ring, xs, y, le, True) == [int(v <= int(y)) for v in signed], y
    for y in (top, 2**bits - 1, -1, udt(top), sdt(-1)):  # equality: either reading
        want = [int(v == int(y) % 2**bits) for v in unsigned]
        assert compare_public(ring, xs, y, eq, None) == want, y


@pytest.mark.parametrize("bits", [32, 64])
def test_a_public_comparand_outside_its_range_is_a_clear_value_error(bits):
    ring = RINGS[bits]
    top = 2 ** (bits - 1)
    xs = np.zeros(2, dtype=ring.dtype)
    cases = [(lt, top, True), (lt, -top - 1, True), (gt, -1, False), (lt, 2**bits, False),
             (eq, 2**bits, None), (eq, -top - 1, None), (le, np.uint64(2**63), True if bits == 64 else None)]
    for op, y, signed in cases:
        if signed is None and op is not eq:
            continue
        with pytest.raises(ValueError, match="outside"):
            compare_public(ring, xs, y, op, signed)
