"""Token hashing and the miners' receipt signatures (docs/api.md, sections 1 and 2).

The canonical receipt message is fixed by the contract; a miner signs exactly these bytes.
"""

import base64
import binascii
import hashlib
import secrets

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings

RECEIPT_HEADER = "consortium-mpc receipt v1"
TOKEN_BYTES = 32  # 256 bits: base64url gives 43 characters


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """SHA-256 hex. No key is needed: a 256-bit random token cannot be found from its hash."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def receipt_message(miner: int, period_id: int, submission_id: str, digest: str) -> bytes:
    lines = [RECEIPT_HEADER, str(miner), str(period_id), str(submission_id), digest]
    return "".join(line + "\n" for line in lines).encode("utf-8")


def miner_public_key(miner: int) -> Ed25519PublicKey | None:
    """Miner `miner`'s configured identity key, or None when it is missing or malformed."""
    encoded = settings.MINERS[miner].get("public_key") or ""
    try:
        raw = base64.b64decode(encoded, validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError):
        return None


def signature_is_valid(public_key: Ed25519PublicKey, message: bytes, signature_b64: str) -> bool:
    try:
        signature = base64.b64decode(signature_b64, validate=True)
        public_key.verify(signature, message)
    except (binascii.Error, ValueError, InvalidSignature):
        return False
    return True
