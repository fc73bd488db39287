"""The miners' identity keys as the portal has them configured (`MINER_<i>_PUBLIC_KEY`), and the check
of a miner's signature over a contract message (`consortium.contract.messages`)."""

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings

from consortium.contract import keys


def miner_public_key(miner: int) -> Ed25519PublicKey | None:
    """Miner `miner`'s configured identity key, or None when it is missing, malformed or unsafe."""
    return keys.public_key(settings.MINERS[miner].get("public_key") or "")


def miner_signed(miner: int, message: bytes, signature_b64: str) -> bool:
    """Whether miner `miner`'s configured key verifies `signature_b64` over `message`."""
    key = miner_public_key(miner)
    return key is not None and keys.signature_is_valid(key, message, signature_b64)
