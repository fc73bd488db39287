"""Access tokens (docs/api.md section 1): 256 bits from the OS CSPRNG, stored only as SHA-256."""

import hashlib
import secrets

TOKEN_BYTES = 32  # 256 bits: base64url gives 43 characters
TOKEN_LENGTH = 43


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """SHA-256 hex. No key is needed: a 256-bit random token cannot be found from its hash."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
