"""The computation of one run request at one party, with no Django: the request (docs/api.md section 4),
this party's additive shares, an mpc_engine Party connected to the two others -> this party's entries of
`outputs` exactly as the portal expects them (JSON integers, ShareArrays, nothing else).

`Inputs` maps (submission id or None, indicator code) to (value share, flag share), ring elements. A
missing submission or field, and every None (no complete submission that period), is a share of zero with
a zero flag: the value counts as not submitted.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from consortium.contract.share_arrays import encode
from mpc_engine.analyses import Column, Ratio, Series, Sorted, TimeSeries, analyse
from mpc_engine.party import Party
from mpc_engine.protocols.arithmetic import from_additive, output_pair
from mpc_engine.validation import Bounds

Inputs = dict[tuple[str | None, str], tuple[int, int]]


def submission_ids(request: dict) -> set[str | None]:
    """Every submission id the request names (None for the gaps of a time series)."""
    ids: set[str | None] = set(request["columns"])
    for analysis in request["analyses"]:
        for row in analysis.get("rows", []):
            ids.update(row)
    return ids


def codes(request: dict) -> set[str]:
    """Every indicator code the request reads."""
    found = set()
    for a in request["analyses"]:
        found.update(c for c in (a.get("indicator"), a.get("numerator"), a.get("denominator")) if c)
    return found


def compute(party: Party, request: dict, inputs: Inputs,
            on_step: Callable[[float, str], None] | None = None) -> list[dict]:
    """This party's `outputs` list for the request (its pairwise keys set)."""
    return [encode_output(entry) for entry in program(party, request, inputs, on_step)]


def program(party: Party, request: dict, inputs: Inputs, on_step=None) -> list[dict]:
    """Its pair of every output: {"analysis", "count", "rejected", "pair" | "rows" + "present"}.

    Every party runs the same steps in the same order whatever its shares, as the protocols require.
    All analyses run side by side (`mpc_engine.analyses.analyse`): the inputs converted in one
    round, one validation, the division, one sort for everything; under latency a run costs
    its rounds, and these are what a run's time is made of."""
    step = on_step or (lambda fraction, text: None)
    ids, analyses = request["columns"], request["analyses"]
    step(0.05, "converting the shares")
    columns = _Columns(party, inputs, _wanted(request))
    step(0.1, "computing the analyses")
    tasks = []
    for a in analyses:
        if a["kind"] == "sorted_indicator":
            column = columns.get(ids, a["indicator"], a["lo"], a["hi"])
            tasks.append(Sorted(column, bool(a.get("descending"))))
        elif a["kind"] == "ratio":
            tasks.append(Ratio(columns.get(ids, a["numerator"], a["num_lo"], a["num_hi"]),
                               columns.get(ids, a["denominator"], a["den_lo"], a["den_hi"]),
                               frac_bits=a["frac_bits"]))
        elif a["kind"] == "time_series":
            tasks.append(Series([columns.get(row, a["indicator"], a["lo"], a["hi"]) for row in a["rows"]]))
        else:
            raise ValueError(f"unknown analysis kind {a['kind']!r}")
    outputs = []
    for k, result in enumerate(analyse(party, tasks)):
        if isinstance(result, TimeSeries):
            outputs.append({"analysis": k, "count": result.count, "rejected": result.rejected,
                            "rows": [output_pair(r) for r in result.rows],
                            "present": [output_pair(p) for p in result.present]})
        else:
            outputs.append(_single(k, result))
    return outputs


def _wanted(request: dict) -> list[tuple[tuple, str]]:
    """Every (ids, code) column the analyses read, once each, in the order they name them."""
    ids, seen = tuple(request["columns"]), {}
    for a in request["analyses"]:
        if a["kind"] == "sorted_indicator":
            seen.setdefault((ids, a["indicator"]), None)
        elif a["kind"] == "ratio":
            seen.setdefault((ids, a["numerator"]), None)
            seen.setdefault((ids, a["denominator"]), None)
        elif a["kind"] == "time_series":
            for row in a["rows"]:
                seen.setdefault((tuple(row), a["indicator"]), None)
    return list(seen)


class _Columns:
    """Replicated shares of (ids, code) columns, all converted from the additive inputs in one round."""

    def __init__(self, party: Party, inputs: Inputs, wanted: list[tuple[tuple, str]]):
        self.cache = {}
        if not wanted:
            return
        zero = (0, 0)
        pairs = [inputs.get((sid, code), zero) if sid is not None else zero
                 for ids, code in wanted for sid in ids]
        dtype = party.ring.dtype
        both = from_additive(party, np.array([[p[0] for p in pairs], [p[1] for p in pairs]], dtype=dtype))
        at = 0
        for ids, code in wanted:
            self.cache[ids, code] = (both[0, at:at + len(ids)], both[1, at:at + len(ids)])
            at += len(ids)

    def get(self, ids, code, lo, hi) -> Column:
        values, flags = self.cache[tuple(ids), code]
        return Column(values, flags, Bounds(lo, hi))


def _single(k, result) -> dict:
    return {"analysis": k, "count": result.count, "rejected": result.rejected,
            "pair": output_pair(result.values)}


def encode_output(entry: dict) -> dict:
    """One `outputs` entry as docs/api.md section 4 writes it: JSON integers and ShareArrays only."""
    out = {"analysis": int(entry["analysis"]), "count": int(entry["count"])}
    rejected = entry["rejected"]
    out["rejected"] = [int(r) for r in rejected] if isinstance(rejected, list) else int(rejected)
    if "pair" in entry:
        out["a"], out["b"] = encode(entry["pair"][0]), encode(entry["pair"][1])
    else:
        out["rows"] = [{"a": encode(a), "b": encode(b)} for a, b in entry["rows"]]
        out["present"] = [{"a": encode(a), "b": encode(b)} for a, b in entry["present"]]
    return out
