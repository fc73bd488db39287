"""The canonical strings the miners sign and their digests (docs/api.md sections 2 and 4).

A message is the UTF-8 bytes of its lines, each ending in a newline. Digests are SHA-256 hex of the
canonical JSON (sorted keys, no spaces) of exactly what was stored or sent.
"""

import hashlib
import json

RECEIPT_HEADER = "consortium-mpc receipt v1"
OUTPUTS_HEADER = "consortium-mpc outputs v1"


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
