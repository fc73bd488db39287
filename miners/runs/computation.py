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
from mpc_engine.analyses import Column, ratio_indicator, sorted_indicators, time_series
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

    Every party runs the same steps in the same order whatever its shares, as the protocols require."""
    step = on_step or (lambda fraction, text: None)
    columns = _Columns(party, inputs)
    ids, analyses = request["columns"], request["analyses"]
    outputs: list[dict | None] = [None] * len(analyses)
    for descending in (False, True):  # the sorted indicators in the rounds of one per direction
        ix = [k for k, a in enumerate(analyses)
              if a["kind"] == "sorted_indicator" and bool(a.get("descending")) is descending]
        if not ix:
            continue
        step(0.1, "sorting the indicators")
        done = sorted_indicators(party, [columns.get(ids, analyses[k]["indicator"], analyses[k]["lo"],
                                                     analyses[k]["hi"]) for k in ix], descending=descending)
        for k, result in zip(ix, done, strict=True):
            outputs[k] = _single(k, result)
    for k, a in enumerate(analyses):
        if a["kind"] == "ratio":
            step(0.4, f"computing {a['name']}")
            result = ratio_indicator(party, columns.get(ids, a["numerator"], a["num_lo"], a["num_hi"]),
                                     columns.get(ids, a["denominator"], a["den_lo"], a["den_hi"]),
                                     frac_bits=a["frac_bits"])
            outputs[k] = _single(k, result)
        elif a["kind"] == "time_series":
            step(0.6, f"time series of {a['indicator']}")
            series = time_series(party, [columns.get(row, a["indicator"], a["lo"], a["hi"])
                                         for row in a["rows"]])
            outputs[k] = {"analysis": k, "count": series.count, "rejected": series.rejected,
                          "rows": [output_pair(r) for r in series.rows],
                          "present": [output_pair(p) for p in series.present]}
    return outputs


class _Columns:
    """Replicated shares of (ids, code) columns, converted from the additive inputs once each."""

    def __init__(self, party: Party, inputs: Inputs):
        self.party, self.inputs, self.cache = party, inputs, {}

    def get(self, ids, code, lo, hi) -> Column:
        key = (tuple(ids), code)
        if key not in self.cache:
            zero = (0, 0)
            pairs = [self.inputs.get((sid, code), zero) if sid is not None else zero for sid in ids]
            dtype = self.party.ring.dtype
            values = np.array([p[0] for p in pairs], dtype=dtype)
            flags = np.array([p[1] for p in pairs], dtype=dtype)
            self.cache[key] = (from_additive(self.party, values), from_additive(self.party, flags))
        values, flags = self.cache[key]
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
