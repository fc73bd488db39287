"""From the three miners' signed output shares to a run's results (docs/api.md section 4, "Internal").

Checks, in order: each miner's signature over the digest of what it sent, and that what it sent is
exactly what the serializer validated (no value of another type, no unknown key); that the three agree
on every revealed count; that every ShareArray has the ring's dtype and exactly the announced length;
that the two copies of every replicated component agree (`reconstruct_replicated`). Every error
names the miner (numbered 1-3 for people; indices 0-2 everywhere else), the analysis or the component,
never a value.

The results keep no value the publication rules (`consortium.portal.publication`) forbid: they are
applied before the results are stored.
"""

from __future__ import annotations

import json

import numpy as np
from django.conf import settings

from consortium.contract import share_arrays
from consortium.contract.messages import canonical_digest, outputs_message
from consortium.portal import publication
from consortium.portal.minerlink import keys
from mpc_engine.ring import ring_for
from mpc_engine.sharing import InconsistentShares, reconstruct_replicated

from . import failures, plan


class OutputsRejected(failures.Failure):
    """The outputs cannot be reconstructed; str() is the reason's code (`failures`), safe to store."""


def check_signature(miner: int, run_id: str, body: dict, raw_outputs) -> None:
    """The digest matches the outputs as sent (`raw_outputs`), the miner's key signed it, and the
    validated `body["outputs"]` are exactly those outputs; else OutputsRejected.

    The last check matters: the serializer coerces ("1" or 1.0 become 1) and drops unknown keys, and
    only the validated structure is stored and reconstructed, so it must be what the miner signed.
    """
    if canonical_digest(raw_outputs) != body["digest"]:
        raise OutputsRejected(failures.DIGEST_MISMATCH, miner)
    if keys.miner_public_key(miner) is None:
        raise OutputsRejected(failures.NO_KEY, miner)
    message = outputs_message(miner, run_id, body["digest"])
    if not keys.miner_signed(miner, message, body["signature"]):
        raise OutputsRejected(failures.BAD_SIGNATURE, miner)
    if canonical_digest(body["outputs"]) != body["digest"]:
        raise OutputsRejected(failures.NOT_AS_DOCUMENTED, miner)


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
            raise OutputsRejected(failures.NOT_RECONSTRUCTED, None,
                                  f"{label}: {type(exc).__name__}") from None
    return publication.apply(results, settings.PUBLICATION_MIN_VALUES, plan.publication_overlaps(results))


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


def _index(miner: int, outputs: list[dict], expected: int) -> list[dict]:
    try:
        found = {entry["analysis"]: entry for entry in outputs}
        complete = len(found) == len(outputs) and sorted(found) == list(range(expected))
    except Exception:  # not a list of objects with comparable indexes: never a 500
        complete = False
    if not complete:
        raise OutputsRejected(failures.NOT_ONE_PER_ANALYSIS, miner)
    return [found[k] for k in range(expected)]


def _agreed_counts(entries, label, kind, columns):
    counts = {e["count"] for e in entries}
    rejected = {json.dumps(e["rejected"]) for e in entries}
    if len(counts) != 1 or len(rejected) != 1:
        raise OutputsRejected(failures.COUNTS_DISAGREE, None, label)
    count, rejected_value = counts.pop(), entries[0]["rejected"]
    shape_ok = isinstance(rejected_value, list) if kind == "time_series" else isinstance(rejected_value, int)
    if not shape_ok or count > columns:
        raise OutputsRejected(failures.COUNTS_DO_NOT_FIT, None, label)
    return count, rejected_value


def _series(ring, entries, label, analysis, count, rejected) -> dict:
    periods = len(analysis["periods"])
    if len(rejected) != periods or any(len(e.get("rows") or []) != periods or
                                       len(e.get("present") or []) != periods for e in entries):
        raise OutputsRejected(failures.NOT_ONE_ROW_PER_PERIOD, None, label)
    rows = []
    for p in range(periods):
        values = _open(ring, [e["rows"][p] for e in entries], count, f"{label} row {p}")
        present = _open(ring, [e["present"][p] for e in entries], count, f"{label} presence row {p}")
        if np.any((present != 0) & (present != 1)):
            raise OutputsRejected(failures.PRESENCE_NOT_BINARY, None, f"{label} presence row {p}")
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
            raise OutputsRejected(failures.MALFORMED_SHARES, miner, f"{label}: {exc}") from None
        except Exception as exc:
            raise OutputsRejected(failures.MALFORMED_SHARES, miner,
                                  f"{label}: {type(exc).__name__}") from None
    try:
        opened = reconstruct_replicated(decoded)
    except InconsistentShares as exc:
        raise OutputsRejected(failures.INCONSISTENT_SHARES, None, f"{label}: {exc}") from None
    return ring.to_signed(opened)
