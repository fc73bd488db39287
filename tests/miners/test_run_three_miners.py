"""The run task at three miners (tests/miners/harness.py): an annual period's analyses, 7 indicators
sorted, the ratio, and 3-period time series, computed from each miner's stored shares with mpc_engine,
signed and pushed to the portal; reconstructed, they equal numpy's plaintext computation."""

import uuid

import numpy as np
import pytest

from consortium.contract import keys, share_arrays
from consortium.contract.messages import canonical_digest, outputs_message
from consortium.contract.tokens import new_token
from miners.intake.actions import Shares, do_store
from miners.portal import Portal
from miners.runs import actions, worker
from miners.store.models import Run
from mpc_engine.ring import ring_for
from mpc_engine.sharing import additive_shares, reconstruct_replicated

from .harness import ALIASES, local_transports, miner_database, run_three

RING = ring_for(32)
# The annual indicators (consortium/portal/periods/indicator_sets.py) with ranges that fit Z_2^32.
INDICATORS = {"total_return": (0, 10**6), "employees": (0, 10_000), "export_share": (0, 1000),
              "added_value": (-10**6, 10**6), "labour_costs": (0, 10**6), "training_costs": (0, 10**5),
              "profit": (-10**6, 10**6)}
PERIODS = [11, 12, 13]  # oldest first; 13 is the key period
COMPANIES = 7


def figures(rng):
    """(period, company) -> None (no submission) or {code: int or None (not submitted)}."""
    table = {}
    for p in PERIODS:
        for c in range(COMPANIES):
            missing = p != PERIODS[-1] and c == p - PERIODS[0]  # company 0 has nothing in 11, company 1 in 12
            table[p, c] = None if missing else {code: int(rng.integers(lo, hi + 1))
                                                for code, (lo, hi) in INDICATORS.items()}
    key = PERIODS[-1]
    for code, (lo, hi) in INDICATORS.items():  # distinct key-period values: the series' order is unambiguous
        for c, value in enumerate(rng.choice(np.arange(lo, hi + 1), size=COMPANIES, replace=False)):
            table[key, c][code] = int(value)
    table[key, 2]["training_costs"] = 10**5 + 1  # out of range: rejected
    table[key, 3]["profit"] = None  # not submitted
    table[key, 4]["employees"] = 0  # a valid figure, but no ratio for it
    table[PERIODS[0], 5]["employees"] = 10**7  # rejected in an earlier period of a series
    return table


def deposit(table, miner_keys) -> dict:
    """Every member's shares at the three miners (as the browsers send them): (period, company) -> sid."""
    sids = {}
    for (p, c), row in table.items():
        if row is None:
            continue
        sid = sids[p, c] = str(uuid.uuid4())
        parts = [({}, {}) for _ in range(3)]
        for code, value in row.items():
            v = additive_shares(RING, RING.encode([0 if value is None else value]))
            f = additive_shares(RING, RING.encode([0 if value is None else 1]))
            for i in range(3):
                parts[i][0][code], parts[i][1][code] = int(v[i][0]), int(f[i][0])
        for i in range(3):
            with miner_database(i):
                do_store(i, miner_keys[i], new_token(), Shares(p, str(uuid.uuid4()), *parts[i]), sid, 32)
    return sids


def run_request(run_id, sids) -> dict:
    """As the portal's plan builds it: columns are the key period's companies."""
    key = PERIODS[-1]
    companies = sorted((c for (p, c) in sids if p == key), key=lambda c: sids[key, c])
    lo_hi = INDICATORS
    analyses = [{"kind": "sorted_indicator", "indicator": code, "lo": lo, "hi": hi, "descending": False}
                for code, (lo, hi) in lo_hi.items()]
    analyses.append({"kind": "ratio", "name": "added_value_per_employee", "numerator": "added_value",
                     "denominator": "employees", "num_lo": lo_hi["added_value"][0],
                     "num_hi": lo_hi["added_value"][1], "den_lo": lo_hi["employees"][0],
                     "den_hi": lo_hi["employees"][1], "frac_bits": 0})
    analyses += [{"kind": "time_series", "indicator": code, "lo": lo, "hi": hi, "periods": PERIODS,
                  "rows": [[sids.get((p, c)) for c in companies] for p in PERIODS]}
                 for code, (lo, hi) in lo_hi.items()]
    return {"run_id": run_id, "period": key, "ring": 32, "columns": [sids[key, c] for c in companies],
            "analyses": analyses, "portal_url": ""}, companies


def valid(table, p, c, code):
    row = table.get((p, c))
    value = None if row is None else row[code]
    lo, hi = INDICATORS[code]
    return value is not None and lo <= value <= hi, value


def expected(table, companies, request) -> list:
    """numpy's plaintext results, in the order of the analyses."""
    key = PERIODS[-1]
    out = []
    for a in request["analyses"]:
        if a["kind"] == "sorted_indicator":
            cells = [valid(table, key, c, a["indicator"]) for c in companies]
            good = np.array([v for ok, v in cells if ok], dtype=np.int64)
            out.append({"count": len(good), "rejected": sum(v is not None and not ok for ok, v in cells),
                        "values": np.sort(good).tolist()})
        elif a["kind"] == "ratio":
            num = [valid(table, key, c, "added_value") for c in companies]
            den = [valid(table, key, c, "employees") for c in companies]
            q = [int(np.trunc(n[1] / d[1])) for n, d in zip(num, den, strict=True) if n[0] and d[0] and d[1]]
            out.append({"count": len(q), "values": sorted(q),
                        "rejected": sum(v is not None and not ok for ok, v in num + den)})
        else:
            code = a["indicator"]
            order = sorted((c for c in companies if valid(table, key, c, code)[0]),
                           key=lambda c: table[key, c][code])
            rows = [[valid(table, p, c, code)[1] if valid(table, p, c, code)[0] else 0 for c in order]
                    for p in PERIODS]
            present = [[int(valid(table, p, c, code)[0]) for c in order] for p in PERIODS]
            cells = [[valid(table, p, c, code) for c in companies] for p in PERIODS]
            rejected = [sum(v is not None and not ok for ok, v in row) for row in cells]
            out.append({"count": len(order), "rows": rows, "present": present, "rejected": rejected})
    return out


def reconstruct(bodies, k, count, part=None, row=None) -> list:
    pairs = []
    for i in range(3):
        entry = bodies[i]["outputs"][k]
        pair = entry if part is None else entry[part][row]
        pairs.append((share_arrays.decode(32, pair["a"], count), share_arrays.decode(32, pair["b"], count)))
    return RING.to_signed(reconstruct_replicated(pairs)).tolist()


@pytest.mark.django_db(transaction=True, databases=ALIASES)
def test_three_miners_compute_an_annual_periods_analyses_equal_to_numpy(portal, portal_secrets, miner_keys,
                                                                        monkeypatch):
    monkeypatch.setattr(worker, "ROUND_REPORT_SECONDS", 0.05)  # the round it is in, shown during the run
    table = figures(np.random.default_rng(7))
    sids = deposit(table, miner_keys)
    run_id = str(uuid.uuid4())
    request, companies = run_request(run_id, sids)
    for i in range(3):
        with miner_database(i):
            actions.do_accept_run(request)
    transports = local_transports(run_id)
    miners = [worker.Miner(i, miner_keys[i], Portal(portal.url, i, portal_secrets[i], 5),
                           lambda _run_id, index: transports[index]) for i in range(3)]
    run_three(worker.execute, [(run_id, miners[i]) for i in range(3)])

    bodies = portal.outputs_of(run_id)
    assert sorted(bodies) == [0, 1, 2]
    for i, body in bodies.items():  # as the portal checks them (docs/api.md section 4)
        assert body["digest"] == canonical_digest(body["outputs"])
        public = keys.public_key(keys.encode_public_key(miner_keys[i]))
        assert keys.signature_is_valid(public, outputs_message(i, run_id, body["digest"]), body["signature"])
        assert portal.progress_of(run_id, i)[-1]["state"] == "done"
        steps = [p["step"] for p in portal.progress_of(run_id, i)]
        assert any(": round " in step for step in steps), steps
    for k, want in enumerate(expected(table, companies, request)):
        got = bodies[0]["outputs"][k]
        assert all(bodies[i]["outputs"][k]["count"] == got["count"] for i in range(3))
        assert got["count"] == want["count"] and got["rejected"] == want["rejected"], k
        if "values" in want:
            assert reconstruct(bodies, k, got["count"]) == want["values"], k
        else:
            for part in ("rows", "present"):
                assert [reconstruct(bodies, k, got["count"], part, r) for r in range(3)] == want[part], k
    for i in range(3):
        with miner_database(i):
            run = Run.objects.get(run_id=run_id)
            assert run.state == "done" and run.outputs == bodies[i]

    # Executed again (a redelivered task): the same signed outputs go out again, nothing is recomputed.
    def must_not_connect(run_id, index):
        raise AssertionError("a finished run was computed again")

    pushed = len(portal.pushes)
    worker.execute(run_id, worker.Miner(0, miner_keys[0], miners[0].portal, must_not_connect))
    again = [body for m, r, kind, body in portal.pushes[pushed:] if kind == "outputs"]
    assert again == [bodies[0]]
