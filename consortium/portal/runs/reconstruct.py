"""From the three miners' signed output shares to a run's results (docs/api.md section 4, "Internal").

Checks, in order: each miner's signature over the digest of what it sent, and that what it sent is
exactly what the serializer validated (no value of another type, no unknown key); that the three agree
on every revealed count; that every ShareArray has the ring's dtype and exactly the announced length;
that the two copies of every replicated component agree (`reconstruct_replicated`). Every error
names the miner (numbered 1-3 for people; indices 0-2 everywhere else), the analysis or the component,
never a value.

The results keep no value of a small cohort: an indicator, ratio or time series (or a period's row of
one) with fewer than PUBLICATION_MIN_VALUES values is stored without its values (`suppressed`).
"""

from __future__ import annotations

import json

import numpy as np
from django.conf import settings

from consortium.contract import share_arrays
from consortium.contract.messages import canonical_digest, outputs_message
from consortium.portal.minerlink import keys
from mpc_engine.ring import ring_for
from mpc_engine.sharing import InconsistentShares, reconstruct_replicated


class OutputsRejected(Exception):
    """The outputs cannot be reconstructed; str() is the reason, safe to store, show and audit."""


def check_signature(miner: int, run_id: str, body: dict, raw_outputs) -> None:
    """The digest matches the outputs as sent (`raw_outputs`), the miner's key signed it, and the
    validated `body["outputs"]` are exactly those outputs; else OutputsRejected.

    The last check matters: the serializer coerces ("1" or 1.0 become 1) and drops unknown keys, and
    only the validated structure is stored and reconstructed, so it must be what the miner signed.
    """
    if canonical_digest(raw_outputs) != body["digest"]:
        raise OutputsRejected(f"the outputs of Miner {miner + 1} do not match their digest")
    if keys.miner_public_key(miner) is None:
        raise OutputsRejected(f"Miner {miner + 1} has no valid public key configured")
    message = outputs_message(miner, run_id, body["digest"])
    if not keys.miner_signed(miner, message, body["signature"]):
        raise OutputsRejected(f"the signature of Miner {miner + 1} over its outputs does not verify")
    if canonical_digest(body["outputs"]) != body["digest"]:
        raise OutputsRejected(f"Miner {miner + 1} sent outputs that are not exactly in the documented format "
                              "(a value of another type, or an unknown key)")


def reconstruct(request: dict, outputs_by_miner: list[list[dict]]) -> dict:
    """The results of a run from the three miners' validated `outputs` lists (signatures already checked),
    small cohorts already suppressed. Raises only OutputsRejected: any other error while taking an
    analysis apart becomes one that names the analysis (or the miner), so a run is never left wedged."""
    ring = ring_for(request["ring"])
    per_analysis = [_index(miner, outputs, len(request["analyses"])) for miner, outputs in
                    enumerate(outputs_by_miner)]
    results: dict = {"ring": ring.bits, "indicators": {}, "ratios": {}, "time_series": {}}
    for k, analysis in enumerate(request["analyses"]):
        entries = [per_analysis[m][k] for m in range(3)]
        label = f"analysis {k} ({analysis['kind']} {analysis.get('indicator') or analysis.get('name')})"
        try:
            _reconstruct_one(ring, request, analysis, entries, label, results)
        except OutputsRejected:
            raise
        except Exception as exc:  # a parsing bug must fail the run, not leave it running
            raise OutputsRejected(f"the output shares of {label} could not be reconstructed "
                                  f"({type(exc).__name__})") from None
    return suppress_small_cohorts(results, settings.PUBLICATION_MIN_VALUES)


def _reconstruct_one(ring, request, analysis, entries, label, results) -> None:
    count, rejected = _agreed_counts(entries, label, analysis["kind"], len(request["columns"]))
    if analysis["kind"] == "time_series":
        results["time_series"][analysis["indicator"]] = _series(ring, entries, label, analysis, count,
                                                                rejected)
        return
    values = [int(v) for v in _open(ring, [e for e in entries], count, label)]
    if analysis["kind"] == "ratio":
        results["ratios"][analysis["name"]] = {"values": values, "count": count, "rejected": rejected,
                                               "frac_bits": analysis["frac_bits"]}
    else:
        results["indicators"][analysis["indicator"]] = {"values": values, "count": count,
                                                        "rejected": rejected}


def suppress_small_cohorts(results: dict, min_values: int) -> dict:
    """Drop every value the reports may not publish (fewer than `min_values` values), in place.

    Sorted indicators and ratios: `values` becomes [] and `suppressed` true; count and rejected stay.
    Time series: the whole series likewise (`rows` []) when it has too few columns or too few values in
    its last period; otherwise each earlier period's row with too few values becomes all null and its
    index is listed in `suppressed_rows`. The same rules as reports/content.py, applied before storing.
    """
    for entry in [*results["indicators"].values(), *results["ratios"].values()]:
        entry["suppressed"] = entry["count"] < min_values
        if entry["suppressed"]:
            entry["values"] = []
    for entry in results["time_series"].values():
        rows = entry["rows"]
        last_present = sum(v is not None for v in rows[-1]) if rows else 0
        entry["suppressed"] = entry["count"] < min_values or last_present < min_values
        entry["suppressed_rows"] = []
        if entry["suppressed"]:
            entry["rows"] = []
            continue
        for p, row in enumerate(rows):
            if sum(v is not None for v in row) < min_values:
                rows[p] = [None] * len(row)
                entry["suppressed_rows"].append(p)
    return results


def _index(miner: int, outputs: list[dict], expected: int) -> list[dict]:
    try:
        found = {entry["analysis"]: entry for entry in outputs}
        complete = len(found) == len(outputs) and sorted(found) == list(range(expected))
    except Exception:  # not a list of objects with comparable indexes: never a 500
        complete = False
    if not complete:
        raise OutputsRejected(f"Miner {miner + 1} did not send exactly one output per analysis")
    return [found[k] for k in range(expected)]


def _agreed_counts(entries, label, kind, columns):
    counts = {e["count"] for e in entries}
    rejected = {json.dumps(e["rejected"]) for e in entries}
    if len(counts) != 1 or len(rejected) != 1:
        raise OutputsRejected(f"the miners disagree on the counts of {label}")
    count, rejected_value = counts.pop(), entries[0]["rejected"]
    shape_ok = isinstance(rejected_value, list) if kind == "time_series" else isinstance(rejected_value, int)
    if not shape_ok or count > columns:
        raise OutputsRejected(f"the counts of {label} do not fit the run")
    return count, rejected_value


def _series(ring, entries, label, analysis, count, rejected) -> dict:
    periods = len(analysis["periods"])
    if len(rejected) != periods or any(len(e.get("rows") or []) != periods or
                                       len(e.get("present") or []) != periods for e in entries):
        raise OutputsRejected(f"{label} does not have one row per period")
    rows = []
    for p in range(periods):
        values = _open(ring, [e["rows"][p] for e in entries], count, f"{label} row {p}")
        present = _open(ring, [e["present"][p] for e in entries], count, f"{label} presence row {p}")
        if np.any((present != 0) & (present != 1)):
            raise OutputsRejected(f"{label} presence row {p} is not 0/1")
        rows.append([int(v) if flag else None for v, flag in zip(values, present, strict=True)])
    return {"periods": list(analysis["periods"]), "rows": rows, "count": count, "rejected": rejected}


def _open(ring, pairs: list[dict], count: int, label: str) -> np.ndarray:
    """Decode the three (a, b) ShareArrays and reconstruct them as signed integers."""
    decoded = []
    for miner, pair in enumerate(pairs):
        try:
            decoded.append((share_arrays.decode(ring.bits, pair["a"], count),
                            share_arrays.decode(ring.bits, pair["b"], count)))
        except (KeyError, TypeError, ValueError) as exc:
            raise OutputsRejected(
                f"Miner {miner + 1} sent a malformed share array for {label}: {exc}") from None
        except Exception as exc:
            raise OutputsRejected(f"Miner {miner + 1} sent a malformed share array for {label} "
                                  f"({type(exc).__name__})") from None
    try:
        opened = reconstruct_replicated(decoded)
    except InconsistentShares as exc:
        raise OutputsRejected(f"the output shares of {label} are inconsistent: {exc}") from None
    return ring.to_signed(opened)
