"""The miners' identity keys the portal accepts, and the check of a miner's signature over a contract
message (`consortium.contract.messages`). A stored key (`MinerKey`: an approved registration or a
rotation) takes precedence over MINER_<i>_PUBLIC_KEY; after a rotation the replaced key is accepted until
its grace period (MINER_KEY_GRACE_SECONDS) ends."""

from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from consortium.contract import keys

from .models import MinerKey


def pinned_key(miner: int) -> str:
    """Miner `miner`'s current key (base64) as the portal has it pinned; "" when none."""
    row = MinerKey.objects.filter(index=miner).first()
    return row.public_key if row else (settings.MINERS[miner].get("public_key") or "")


def stored_key_or_none(miner: int) -> str | None:
    """The stored key of miner `miner`, or None (none stored, or no table yet: system checks before
    `migrate`)."""
    try:
        return MinerKey.objects.filter(index=miner).values_list("public_key", flat=True).first()
    except DatabaseError:
        return None


def accepted_keys(miner: int, now: datetime | None = None) -> list[Ed25519PublicKey]:
    """The keys whose signatures count as miner `miner`'s now: the current one, and the replaced one
    during its grace period. Missing, malformed or unsafe keys are left out."""
    row = MinerKey.objects.filter(index=miner).first()
    if row is None:
        encoded = [settings.MINERS[miner].get("public_key") or ""]
    else:
        encoded = [row.public_key]
        if row.previous_key and row.previous_until and (now or timezone.now()) < row.previous_until:
            encoded.append(row.previous_key)
    return [key for key in map(keys.public_key, encoded) if key is not None]


def miner_public_key(miner: int) -> Ed25519PublicKey | None:
    """Miner `miner`'s current identity key, or None when it is missing, malformed or unsafe."""
    return keys.public_key(pinned_key(miner))


def miner_signed(miner: int, message: bytes, signature_b64: str) -> bool:
    """Whether a key the portal accepts for miner `miner` now verifies `signature_b64` over `message`."""
    return any(keys.signature_is_valid(key, message, signature_b64) for key in accepted_keys(miner))
