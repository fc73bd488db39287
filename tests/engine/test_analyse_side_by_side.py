"""`analyses.analyse`: sorted indicators of both directions, ratios and time series side by side,
sharing rounds, with the same results as numpy and as the analyses run one by one."""

import numpy as np
import pytest

from mpc_engine import costs
from mpc_engine.analyses import Column, Ratio, Series, Sorted, analyse, quotient_range
from mpc_engine.protocols.arithmetic import output_pair
from mpc_engine.ring import RING32, RING64
from mpc_engine.runner import run_with_inputs
from mpc_engine.sharing import reconstruct_replicated
from mpc_engine.sorting.radix import key_passes
from mpc_engine.validation import Bounds

from .ordering import canonical

N = 40
EMPLOYEES, ADDED, EXPORT = Bounds(0, 10_000), Bounds(-10**6, 10**6), Bounds(0, 1000)


def figures(seed):
    """periods x companies of (employees, added value, export share): values and 0/1 flags, with
    rejected values (out of range), empty fields and zero employees."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, b in (("employees", EMPLOYEES), ("added", ADDED), ("export", EXPORT)):
        values = rng.integers(b.lo, b.hi + 1, (3, N))
        values[:, :4] = [b.lo, b.hi, b.hi + 5, b.lo - 5]  # the edges, and two rejected values
        values[:, 5:9] = values[:, 4:5]  # ties
        flags = (rng.random((3, N)) < 0.85).astype(int)
        out[name] = (values, flags, b)
    out["employees"][0][:, 9] = 0  # no ratio for it
    return out


def program(ring, data):
    def body(p, *shares):
        cols = {}
        for i, name in enumerate(data):
            for t in range(3):
                cols[name, t] = Column(shares[6 * i + 2 * t], shares[6 * i + 2 * t + 1], data[name][2])
        tasks = [Sorted(cols["employees", 2]), Sorted(cols["export", 2], descending=True),
                 Sorted(cols["added", 2]), Ratio(cols["added", 2], cols["employees", 2]),
                 Ratio(cols["added", 1], cols["employees", 1], frac_bits=4, descending=True),
                 Series([cols["employees", t] for t in range(3)]),
                 Series([cols["export", t] for t in range(3)], key_period=0)]
        out = []
        for r in analyse(p, tasks):
            if hasattr(r, "rows"):
                out.append((r.count, r.rejected, [output_pair(x) for x in r.rows + r.present]))
            else:
                out.append((r.count, r.rejected, [output_pair(r.values)]))
        return out

    secrets = [ring.encode(x[t].tolist()) for v, f, _ in data.values() for t in range(3) for x in (v, f)]
    return run_with_inputs(body, secrets, ring)


def ok(name, data, t):
    values, flags, b = data[name]
    return (flags[t] == 1) & (values[t] >= b.lo) & (values[t] <= b.hi)


def rejected(name, data, t):
    return int(((data[name][1][t] == 1) & ~ok(name, data, t)).sum())


def trunc(x, y, f):
    q = (abs(int(x)) << f) // abs(int(y))
    return q if (x < 0) == (y < 0) else -q


def opened(run, k, ring):
    count = len(run.outputs[0][k][2])
    rows = [reconstruct_replicated([out[k][2][i] for out in run.outputs]) for i in range(count)]
    return [ring.to_signed(r).tolist() for r in rows]


@pytest.mark.parametrize("ring", [RING32, RING64])
def test_everything_side_by_side_equals_numpy(ring):
    data = figures(ring.bits)
    run = program(ring, data)
    got = run.outputs[0]
    for k, (name, descending) in enumerate([("employees", False), ("export", True), ("added", False)]):
        keep = ok(name, data, 2)
        assert got[k][:2] == (keep.sum(), rejected(name, data, 2))
        assert opened(run, k, ring)[0] == sorted(data[name][0][2][keep].tolist(), reverse=descending)
    for k, t, f, descending in ((3, 2, 0, False), (4, 1, 4, True)):
        keep = ok("added", data, t) & ok("employees", data, t) & (data["employees"][0][t] != 0)
        pairs = zip(data["added"][0][t][keep], data["employees"][0][t][keep], strict=True)
        q = [trunc(x, y, f) for x, y in pairs]
        assert got[k][:2] == (len(q), rejected("added", data, t) + rejected("employees", data, t))
        assert opened(run, k, ring)[0] == sorted(q, reverse=descending)
    for k, name, key in ((5, "employees", 2), (6, "export", 0)):
        valid = np.array([ok(name, data, t) for t in range(3)])
        cells = np.where(valid, data[name][0], 0)
        order = [c for c in np.argsort(data[name][0][key], kind="stable") if valid[key, c]]
        assert got[k][:2] == (len(order), [rejected(name, data, t) for t in range(3)])
        rows = opened(run, k, ring)
        assert rows[key] == sorted(cells[key][order].tolist())  # sorted by the key period
        want = [cells[t][order].tolist() for t in range(3)] + [valid[t][order].astype(int).tolist()
                                                             for t in range(3)]
        assert np.array_equal(canonical(rows), canonical(want))  # each company's cells together


def test_side_by_side_costs_one_validation_one_division_two_products_and_one_sort():
    ring, data = RING64, figures(1)
    run = program(ring, data)
    # distinct columns: 3 sorted; added1, employees1; employees0; export0, export1 (the rest reused)
    columns = 3 + 2 + 1 + 2
    q = quotient_range(ADDED, EMPLOYEES, 4)
    passes = max(key_passes(64, (b.lo, b.hi)) for b in (EMPLOYEES, ADDED, EXPORT, Bounds(*q)))
    want = (costs.validate_cost(N * columns, 64, columns).rounds
            + costs.div_cost(N, 64, 0, dividend_bits=20, divisor_bits=14).rounds  # one per frac_bits
            + costs.div_cost(N, 64, 4, dividend_bits=20, divisor_bits=14).rounds
            + 2 + costs.radix_many_cost([(N, 7, passes)], 64, flag=True).rounds)
    assert passes == 25  # the fixed-point ratio: |q| <= 10^6 * 2^4
    assert [s.rounds for s in run.stats] == [want] * 3


def test_quotient_ranges_hold_every_quotient_of_valid_figures():
    assert quotient_range(Bounds(-10**12, 10**12), Bounds(0, 10**6)) == (-10**12, 10**12)
    assert quotient_range(Bounds(0, 100), Bounds(0, 5)) == (0, 100)
    assert quotient_range(Bounds(0, 100), Bounds(-5, 0)) == (-100, 0)
    assert quotient_range(Bounds(-3, 100), Bounds(1, 5), frac_bits=2) == (-400, 400)
    assert quotient_range(Bounds(0, 0), Bounds(1, 5)) == (0, 0)
