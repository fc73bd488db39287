"""The canonical strings the miners sign and their digests (docs/api.md sections 2, 4 and 6).

A message is the UTF-8 bytes of its lines, each ending in a newline. Digests are SHA-256 hex of the
canonical JSON (sorted keys, no spaces) of exactly what was stored or sent.
"""

import datetime
import hashlib
import json

RECEIPT_HEADER = "consortium-mpc receipt v1"
OUTPUTS_HEADER = "consortium-mpc outputs v1"
DELETION_HEADER = "consortium-mpc deletion v1"


def canonical_json(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def canonical_digest(value) -> str:
    """SHA-256 hex of the canonical JSON of `value`."""
    return hashlib.sha256(canonical_json(value)).hexdigest()


def shares_digest(values: dict, submitted: dict) -> str:
    """The receipt's digest: the canonical JSON of `{"values": ..., "submitted": ...}` as stored."""
    return canonical_digest({"values": values, "submitted": submitted})


def _lines(*lines) -> bytes:
    return "".join(f"{line}\n" for line in lines).encode("utf-8")


def receipt_message(miner: int, period_id: int, submission_id: str, digest: str) -> bytes:
    return _lines(RECEIPT_HEADER, miner, period_id, submission_id, digest)


def outputs_message(miner: int, run_id: str, digest: str) -> bytes:
    return _lines(OUTPUTS_HEADER, miner, run_id, digest)


def deletion_message(miner: int, period_id: int, submissions: int, deleted_at: str) -> bytes:
    """A retention receipt: miner `miner` deleted the `submissions` stored for the period at `deleted_at`
    (ISO 8601 UTC to the second, `deletion_time`)."""
    return _lines(DELETION_HEADER, miner, period_id, submissions, deleted_at)


def deletion_time(moment) -> str:
    """An aware datetime as a receipt writes it: `2026-12-05T01:02:03Z` (UTC, whole seconds)."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
