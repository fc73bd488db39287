"""Which peers this miner talks to and which of their keys it accepts now: the one answer the peer
channel's handshake, health and the commands use.

A peer's fields come from its stored pin (`PeerPin`) where set, else from MINER_PEER_<j>_*: a deployment
configured by environment alone works unchanged, and `add_peer` or a rotation overrides it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from consortium.contract import keys
from consortium.contract.rotation import BadRotation, Rotation, verify_rotation

from .models import PeerPin


@dataclass(frozen=True)
class Peer:
    index: int
    url: str
    channel_url: str
    public_key: str
    previous_key: str = ""
    previous_until: datetime | None = None
    pinned: bool = False  # a stored pin (else the settings only)

    def accepted_keys(self, now: datetime | None = None) -> list[str]:
        """The current key, then the replaced one while its grace period lasts."""
        now = now or timezone.now()
        accepted = [self.public_key] if self.public_key else []
        if self.previous_key and self.previous_until and now < self.previous_until:
            accepted.append(self.previous_key)
        return accepted

    def key_source(self) -> str:
        return "pinned" if self.pinned else f"MINER_PEER_{self.index}_PUBLIC_KEY"


def _merged(j: int, row: PeerPin | None) -> Peer:
    configured = settings.MINER_PEERS.get(j, {})
    if row is None:
        return Peer(j, configured.get("url") or "", configured.get("channel_url") or "",
                    configured.get("public_key") or "")
    return Peer(j, row.url or configured.get("url") or "",
                row.channel_url or configured.get("channel_url") or "", row.public_key, row.previous_key,
                row.previous_until, pinned=True)


def peers() -> dict[int, Peer]:
    """This miner's two peers, stored pins taking precedence over the settings."""
    rows = {row.index: row for row in PeerPin.objects.filter(index__in=list(settings.MINER_PEERS))}
    return {j: _merged(j, rows.get(j)) for j in sorted(settings.MINER_PEERS)}


def peers_or_settings() -> dict[int, Peer]:
    """`peers()`, or the settings alone when the database is not there yet (system checks before
    `migrate`): never raises for a missing table."""
    try:
        return peers()
    except DatabaseError:
        return {j: _merged(j, None) for j in sorted(settings.MINER_PEERS)}


def peer(j: int) -> Peer:
    return peers()[j]


def accepted_keys(j: int, now: datetime | None = None) -> list[str]:
    """The keys this miner accepts from peer j now (base64; the current one first)."""
    return peer(j).accepted_keys(now)


def grace() -> timedelta:
    return timedelta(seconds=settings.MINER_KEY_GRACE_SECONDS)


def pin(j: int, url: str, public_key: str, channel_url: str = "") -> PeerPin:
    """Pin peer j's key (after the fingerprint check): it replaces any earlier pin, with no grace."""
    if j not in settings.MINER_PEERS:
        raise ValueError(f"miner {j} is not a peer of this miner (index {settings.MINER_INDEX})")
    problem = keys.ed25519_key_problem(public_key)
    if problem:
        raise ValueError(f"miner {j}'s public key {problem}")
    row, _ = PeerPin.objects.update_or_create(index=j, defaults={
        "url": url.rstrip("/"), "channel_url": channel_url, "public_key": public_key,
        "pinned_at": timezone.now(), "previous_key": "", "previous_until": None})
    return row


def apply_rotation(rotation: Rotation, now: datetime | None = None) -> str:
    """Accept a peer's rotation signed by the key pinned for it: "accepted", or "already applied" for the
    same statement again. BadRotation (a clear reason) for anything else; nothing changes then."""
    j, now = rotation.miner, now or timezone.now()
    if j not in settings.MINER_PEERS:
        raise BadRotation(f"miner {j} is not a peer of this miner")
    # the row is locked: two deliveries of rotations at once must not both start from the same pin
    with transaction.atomic():
        row = PeerPin.objects.select_for_update().filter(index=j).first()
        current = _merged(j, row)
        if current.public_key == rotation.new_public_key and current.previous_key == rotation.old_public_key:
            return "already applied"
        verify_rotation(rotation, current.public_key)
        row = row or PeerPin(index=j)
        row.previous_key, row.previous_until = current.public_key, now + grace()
        row.public_key, row.pinned_at = rotation.new_public_key, now
        row.save()
    return "accepted"
