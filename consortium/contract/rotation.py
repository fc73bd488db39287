"""A miner's key rotation statement (docs/api.md section 7): the new identity key, signed by the old one.

The signed message is the UTF-8 bytes of five lines, each ending in a newline:

    consortium-mpc key rotation v1
    <miner index>
    <old public key, base64 of 32 bytes>
    <new public key, base64 of 32 bytes>
    <time of the rotation, ISO 8601 UTC, e.g. 2026-12-05T01:02:03Z>

A receiver accepts it only when the old key is the one it has pinned for that miner and the signature
verifies with it: no new fingerprint comparison is needed, and a stranger's statement is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from . import MINERS, keys

ROTATION_HEADER = "consortium-mpc key rotation v1"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class BadRotation(ValueError):
    """The statement is malformed, or not signed by the pinned key; str() says which, never a key."""


@dataclass(frozen=True)
class Rotation:
    miner: int
    old_public_key: str
    new_public_key: str
    at: str
    signature: str

    def message(self) -> bytes:
        return rotation_message(self.miner, self.old_public_key, self.new_public_key, self.at)

    def as_json(self) -> dict:
        return {"miner": self.miner, "old_public_key": self.old_public_key,
                "new_public_key": self.new_public_key, "at": self.at, "signature": self.signature}


def rotation_message(miner: int, old_public_key: str, new_public_key: str, at: str) -> bytes:
    lines = (ROTATION_HEADER, miner, old_public_key, new_public_key, at)
    return "".join(f"{line}\n" for line in lines).encode("utf-8")


def sign_rotation(miner: int, old_key: Ed25519PrivateKey, new_key: Ed25519PrivateKey,
                  now: datetime | None = None) -> Rotation:
    at = (now or datetime.now(UTC)).astimezone(UTC).strftime(TIME_FORMAT)
    old, new = keys.encode_public_key(old_key), keys.encode_public_key(new_key)
    return Rotation(miner, old, new, at, keys.sign(old_key, rotation_message(miner, old, new, at)))


def parse_rotation(body) -> Rotation:
    """A statement from a JSON body, its fields checked (not its signature: see `verify_rotation`)."""
    if not isinstance(body, dict):
        raise BadRotation("the body must be a JSON object")
    miner = body.get("miner")
    if type(miner) is not int or not 0 <= miner < MINERS:
        raise BadRotation("miner must be 0, 1 or 2")
    fields = {}
    for name in ("old_public_key", "new_public_key", "at", "signature"):
        value = body.get(name)
        if not isinstance(value, str) or not value or len(value) > 200:
            raise BadRotation(f"{name} must be a non-empty string")
        fields[name] = value
    for name in ("old_public_key", "new_public_key"):
        problem = keys.ed25519_key_problem(fields[name])
        if problem:
            raise BadRotation(f"{name} {problem}")
    if fields["old_public_key"] == fields["new_public_key"]:
        raise BadRotation("the new key is the old key")
    try:
        datetime.strptime(fields["at"], TIME_FORMAT)
    except ValueError:
        raise BadRotation("at must be an ISO 8601 UTC time like 2026-12-05T01:02:03Z") from None
    return Rotation(miner, **fields)


def verify_rotation(rotation: Rotation, pinned_public_key: str) -> None:
    """BadRotation unless `rotation` starts from the pinned key and is signed by it."""
    pinned = keys.public_key(pinned_public_key)
    if pinned is None:
        raise BadRotation(f"no usable key is pinned for miner {rotation.miner}")
    if rotation.old_public_key != pinned_public_key:
        raise BadRotation(f"the rotation starts from a key that is not the one pinned for miner "
                          f"{rotation.miner} (pinned: {keys.fingerprint(pinned_public_key)})")
    if not keys.signature_is_valid(pinned, rotation.message(), rotation.signature):
        raise BadRotation(f"the rotation is not signed by the key pinned for miner {rotation.miner}")
