"""Range validation inside MPC and the analyses, against the plaintext computation."""

import numpy as np
import pytest

from mpc_engine import costs
from mpc_engine.analyses import (
    Column,
    check_ratio_config,
    ratio_fits,
    ratio_indicator,
    sorted_indicator,
    sorted_indicators,
    time_series,
)
from mpc_engine.protocols.arithmetic import output_pair, reveal
from mpc_engine.ring import RING32, RING64
from mpc_engine.runner import run_with_inputs
from mpc_engine.sharing import reconstruct_replicated
from mpc_engine.validation import Bounds, validate, validate_many

RNG = np.random.default_rng(2026)  # test data only


def opened(run, index):
    return reconstruct_replicated([out[index] for out in run.outputs])


def expected_valid(values, flags, lo, hi):
    return (flags == 1) & (values >= lo) & (values <= hi)


def test_out_of_range_and_odd_flags_count_as_not_submitted():
    values = np.array([5, -3, 100, 7, 0, 2**31 - 1, 99, -(2**31)])
    flags = np.array([1, 1, 1, 0, 2, 1, 1, 1])

    def program(p, v, f):
        valid, rejected = validate(p, v, f, Bounds(0, 99))
        return reveal(p, valid), rejected

    valid, rejected = run_with_inputs(program, [RING32.encode(values), RING32.encode(flags)]).outputs[0]
    want = expected_valid(values, flags, 0, 99)
    assert valid.tolist() == want.astype(int).tolist()
    assert rejected == int(((flags == 1) & ~want).sum()) == 4


@pytest.mark.parametrize("ring", [RING32, RING64])
def test_validate_many_costs_what_its_cost_function_states(ring):
    sizes = [5, 9]

    def program(p, *shares):
        validate_many(p, [(shares[2 * i], shares[2 * i + 1], Bounds(0, 10)) for i in range(len(sizes))])

    secrets = [ring.encode(list(range(n))) for n in sizes for _ in range(2)]
    run = run_with_inputs(program, secrets, ring)
    want = costs.validate_cost(sum(sizes), ring.bits, columns=len(sizes))
    assert [(s.rounds, s.bytes_sent) for s in run.stats] == list(
        zip([want.rounds] * 3, want.per_party_bytes(ring.bits), strict=True))
    assert want.rounds == 2 * int(np.log2(ring.bits)) + 9


def test_long_columns_are_validated_in_chunks_with_the_same_results_and_counts(monkeypatch):
    sizes, chunk = [9, 4, 12], 5
    data = [(RNG.integers(-20, 120, n), RNG.integers(0, 3, n), Bounds(0, 99)) for n in sizes]

    def program(p, *shares):
        cols = [(shares[2 * i], shares[2 * i + 1], data[i][2]) for i in range(len(sizes))]
        valids, rejected = validate_many(p, cols)
        return [reveal(p, v) for v in valids], rejected

    secrets = [RING32.encode(a) for v, f, _ in data for a in (v, f)]
    whole = run_with_inputs(program, secrets)
    monkeypatch.setattr(costs, "VALIDATION_CHUNK_ELEMENTS", chunk)
    chunked = run_with_inputs(program, secrets)
    for run in (whole, chunked):
        valids, rejected = run.outputs[0]
        for (values, flags, b), got, bad in zip(data, valids, rejected, strict=True):
            want = expected_valid(values, flags, b.lo, b.hi)
            assert got.tolist() == want.astype(int).tolist()
            assert bad == int(((flags == 1) & ~want).sum())
    want = costs.validate_cost(sum(sizes), 32, columns=3, chunk=chunk)
    assert want.rounds == 5 * (costs.validate_cost(1, 32).rounds - 1) + 1  # 25 elements: 5 chunks
    reveals = 3, 4 * sum(sizes)  # the test's own reveal of the three valid vectors
    assert [(s.rounds - reveals[0], s.bytes_sent - reveals[1]) for s in chunked.stats] == list(
        zip([want.rounds] * 3, want.per_party_bytes(32), strict=True))


def test_empty_range_is_refused():
    with pytest.raises(ValueError, match="empty range"):
        Bounds(5, 4)


@pytest.mark.parametrize("ring", [RING32, RING64])
def test_sorted_indicator_publishes_only_valid_values_sorted(ring):
    n = 60
    values = RNG.integers(-1000, 1_000_000, n)
    values[:4] = [10**9, -(10**6), 0, 999_999]  # the member who typed 10^9 employees
    flags = RNG.integers(0, 2, n)
    flags[:4] = 1
    bounds = Bounds(-1000, 999_999)

    def program(p, v, f):
        result = sorted_indicator(p, Column(v, f, bounds))
        return output_pair(result.values), result.count, result.rejected

    run = run_with_inputs(program, [ring.encode(values), ring.encode(flags)], ring)
    keep = expected_valid(values, flags, bounds.lo, bounds.hi)
    got = ring.to_signed(opened(run, 0))
    assert got.tolist() == np.sort(values[keep]).tolist()
    assert run.outputs[0][1] == keep.sum()
    assert run.outputs[0][2] == ((flags == 1) & ~keep).sum() >= 2


def test_several_indicators_are_each_sorted_on_their_own():
    n = 40
    columns = [(RNG.integers(0, 500, n), RNG.integers(0, 2, n), Bounds(0, 400)) for _ in range(3)]

    def program(p, *shares):
        cols = [Column(shares[2 * i], shares[2 * i + 1], columns[i][2]) for i in range(3)]
        results = sorted_indicators(p, cols, descending=True)
        return [(output_pair(r.values), r.count, r.rejected) for r in results]

    secrets = [RING32.encode(a) for v, f, _ in columns for a in (v, f)]
    run = run_with_inputs(program, secrets)
    for i, (values, flags, bounds) in enumerate(columns):
        keep = expected_valid(values, flags, bounds.lo, bounds.hi)
        got = RING32.to_signed(reconstruct_replicated([out[i][0] for out in run.outputs]))
        assert got.tolist() == sorted(values[keep].tolist(), reverse=True)
        assert run.outputs[0][i][1:] == (keep.sum(), ((flags == 1) & ~keep).sum())


@pytest.mark.parametrize("algorithm", ["batcher", "radix"])
def test_several_indicators_cost_the_rounds_of_the_largest_and_the_bytes_of_all(algorithm):
    sizes = [30, 7, 1]
    columns = [(RNG.integers(-5, 500, n), RNG.integers(0, 2, n), Bounds(0, 400)) for n in sizes]

    def batched(p, *shares):
        cols = [Column(shares[2 * i], shares[2 * i + 1], columns[i][2]) for i in range(len(sizes))]
        return [(output_pair(r.values), r.count) for r in sorted_indicators(p, cols, algorithm=algorithm)]

    def single(p, values, flags, bounds=columns[0][2]):
        return sorted_indicator(p, Column(values, flags, bounds), algorithm=algorithm).count

    run = run_with_inputs(batched, [RING32.encode(a) for v, f, _ in columns for a in (v, f)])
    singles = [run_with_inputs(single, [RING32.encode(v), RING32.encode(f)]) for v, f, _ in columns]
    for i, (values, flags, bounds) in enumerate(columns):
        keep = expected_valid(values, flags, bounds.lo, bounds.hi)
        got = RING32.to_signed(reconstruct_replicated([out[i][0] for out in run.outputs]))
        assert got.tolist() == sorted(values[keep].tolist())
        assert run.outputs[0][i][1] == keep.sum() == singles[i].outputs[0]
    assert run.stats[0].rounds == singles[0].stats[0].rounds  # the largest column's
    for party in range(3):
        assert run.stats[party].bytes_sent == sum(s.stats[party].bytes_sent for s in singles)


@pytest.mark.parametrize("frac_bits", [0, 8])
def test_added_value_per_employee_skips_zero_and_invalid_employees(frac_bits):
    n = 30
    added = RNG.integers(-50_000, 5_000_000, n)
    employees = RNG.integers(0, 400, n)
    employees[:3] = [0, 0, 10**6]  # zero employees, and one out of range
    f_added, f_emp = RNG.integers(0, 2, n), np.ones(n, dtype=int)
    f_added[:3] = 1

    def program(p, a, fa, e, fe):
        result = ratio_indicator(p, Column(a, fa, Bounds(-8_000_000, 8_000_000)),
                                 Column(e, fe, Bounds(0, 10_000)), frac_bits=frac_bits)
        return output_pair(result.values), result.count, result.rejected

    run = run_with_inputs(program, [RING32.encode(x) for x in (added, f_added, employees, f_emp)])
    keep = (f_added == 1) & (employees > 0) & (employees <= 10_000)
    exact = [int(a * 2**frac_bits / e) for a, e in zip(added[keep], employees[keep], strict=True)]
    got = RING32.to_signed(opened(run, 0)).tolist()
    assert run.outputs[0][1] == keep.sum()
    assert run.outputs[0][2] == 1  # the 10^6 employees
    assert len(got) == len(exact)
    assert all(abs(g - e) <= 1 for g, e in zip(got, sorted(exact), strict=True))
    if frac_bits == 0:
        assert got == sorted(exact)


def test_time_series_keeps_each_companys_row_together():
    periods, n = 3, 25
    values = RNG.integers(0, 1000, (periods, n))
    flags = RNG.integers(0, 2, (periods, n))
    flags[-1, :20] = 1
    values[-1] = RNG.permutation(1000)[:n]  # distinct keys: the order of ties is not specified
    bounds = Bounds(0, 900)

    def program(p, *shares):
        cols = [Column(shares[2 * i], shares[2 * i + 1], bounds) for i in range(periods)]
        ts = time_series(p, cols, key_period=-1)
        return [output_pair(r) for r in ts.rows], [output_pair(r) for r in ts.present], ts.count, ts.rejected

    secrets = [RING32.encode(a) for i in range(periods) for a in (values[i], flags[i])]
    run = run_with_inputs(program, secrets)
    valid = (flags == 1) & (values <= bounds.hi)
    order = np.argsort(values[-1], kind="stable")
    order = [c for c in order if valid[-1, c]]
    assert run.outputs[0][2] == len(order)
    assert run.outputs[0][3] == [int(((flags[i] == 1) & ~valid[i]).sum()) for i in range(periods)]
    for i in range(periods):
        rows = reconstruct_replicated([out[0][i] for out in run.outputs])
        present = reconstruct_replicated([out[1][i] for out in run.outputs])
        assert present.tolist() == [int(valid[i, c]) for c in order]
        assert rows.tolist() == [int(values[i, c]) if valid[i, c] else 0 for c in order]


# -- fixed-point ratio overflow -----------------------------------------------------------------
@pytest.mark.parametrize("bits", [32, 64])
@pytest.mark.parametrize("frac_bits", [0, 1, 16, 20])
def test_ratio_fits_exactly_up_to_the_signed_ring_boundary(bits, frac_bits):
    limit = 2 ** (bits - 1) - 1
    largest = limit >> frac_bits  # largest * 2^f <= limit < (largest + 1) * 2^f
    assert ratio_fits(bits, 0, largest, frac_bits)
    assert ratio_fits(bits, -largest, largest, frac_bits)
    assert not ratio_fits(bits, 0, largest + 1, frac_bits)
    assert not ratio_fits(bits, -(largest + 1), 0, frac_bits)  # den = -1 flips the sign
    with pytest.raises(ValueError, match="ratio overflow"):
        check_ratio_config(bits, -(largest + 1), 5, frac_bits)
    check_ratio_config(bits, -largest, largest, frac_bits)


def test_the_reported_overflow_is_refused_with_a_fitting_frac_bits():
    # 100000 / 1 with 16 fractional bits in Z_2^32 was published as -31072
    assert not ratio_fits(32, 0, 100_000, 16)
    with pytest.raises(ValueError, match="at most 14 fractional bits or the 64-bit ring"):
        check_ratio_config(32, 0, 100_000, 16)
    assert ratio_fits(64, 0, 100_000, 16) and ratio_fits(32, 0, 100_000, 14)


def run_ratio(num, den, num_bounds, frac_bits, ring=RING32):
    def program(p, a, fa, e, fe):
        result = ratio_indicator(p, Column(a, fa, num_bounds), Column(e, fe, Bounds(1, 100)),
                                 frac_bits=frac_bits)
        return output_pair(result.values), result.count

    ones = np.ones(len(num), dtype=int)
    run = run_with_inputs(program, [ring.encode(x) for x in (num, ones, den, ones)], ring)
    return ring.to_signed(opened(run, 0)).tolist()


def test_ratio_indicator_at_the_boundary_publishes_the_exact_quotient_and_one_over_is_refused():
    f, largest = 16, (2**31 - 1) >> 16  # 32767
    got = run_ratio([largest, -largest, 3], [1, 1, 2], Bounds(-largest, largest), f)
    assert got == sorted([largest * 2**f, -largest * 2**f, 3 * 2**f // 2])
    with pytest.raises(ValueError, match="ratio overflow"):
        run_ratio([largest], [1], Bounds(-largest, largest + 1), f)


# -- bounds that do not fit the ring --------------------------------------------------------
@pytest.mark.parametrize("ring", [RING32, RING64])
def test_bounds_outside_the_signed_ring_are_refused(ring):
    top = 2 ** (ring.bits - 1)
    for lo, hi in [(0, top), (-top - 1, 0), (-top - 1, top)]:
        with pytest.raises(ValueError, match=f"do not fit the signed {ring.bits}-bit ring"):
            Bounds(lo, hi).check_fits(ring)

        def program(p, v, f, lo=lo, hi=hi):
            return validate(p, v, f, Bounds(lo, hi))

        with pytest.raises(ValueError, match="do not fit"):
            run_with_inputs(program, [ring.encode([1]), ring.encode([1])], ring)


@pytest.mark.parametrize("ring", [RING32, RING64])
def test_bounds_at_the_ring_edges_validate_exactly(ring):
    top = 2 ** (ring.bits - 1)
    values = np.array([-top, -top + 1, -1, 0, top - 2, top - 1], dtype=object)
    for lo, hi in [(-top, top - 1), (-top + 1, top - 2), (0, top - 1)]:
        def program(p, v, f, lo=lo, hi=hi):
            valid, rejected = validate(p, v, f, Bounds(lo, hi))
            return reveal(p, valid), rejected

        run = run_with_inputs(program, [ring.encode(values.tolist()), ring.encode([1] * 6)], ring)
        assert run.outputs[0][0].tolist() == [int(lo <= v <= hi) for v in values]
