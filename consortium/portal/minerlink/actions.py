"""The writes of the miners' keys, each one transaction, each announced to the audit log (events.py)."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from consortium.contract import keys
from consortium.contract.rotation import BadRotation, Rotation, verify_rotation

from .events import announce
from .keys import pinned_key
from .models import MinerKey, MinerRegistration


def register(index: int, url: str, public_key: str, request=None) -> MinerRegistration:
    """A miner (authenticated by its secret) asks for its key to be pinned: pending until staff approve;
    the same key as pinned already is approved at once (nothing to decide)."""
    fingerprint = keys.fingerprint(public_key)
    with transaction.atomic():
        MinerRegistration.objects.filter(index=index, state=MinerRegistration.State.PENDING).delete()
        state = (MinerRegistration.State.APPROVED if pinned_key(index) == public_key
                 else MinerRegistration.State.PENDING)
        registration = MinerRegistration.objects.create(index=index, url=url, public_key=public_key,
                                                        fingerprint=fingerprint, state=state)
        announce("miner_registered", None, request, miner=index, fingerprint=fingerprint, url=url,
                 state=state)
    return registration


def approve(registration: MinerRegistration, actor, request=None) -> bool:
    """Pin the registration's key for its miner (any earlier key stops at once: an approval is no rotation).
    False when it was approved already."""
    with transaction.atomic():
        registration = MinerRegistration.objects.select_for_update().get(pk=registration.pk)
        if registration.state == MinerRegistration.State.APPROVED:
            return False
        now = timezone.now()
        MinerKey.objects.update_or_create(index=registration.index, defaults={
            "public_key": registration.public_key, "pinned_at": now, "previous_key": "",
            "previous_until": None})
        registration.state, registration.decided_by, registration.decided_at = (
            MinerRegistration.State.APPROVED, actor, now)
        registration.save(update_fields=["state", "decided_by", "decided_at"])
        announce("miner_approved", actor, request, miner=registration.index,
                 fingerprint=registration.fingerprint)
    return True


def rotate(rotation: Rotation, request=None, now=None) -> str:
    """Accept a miner's rotation signed by the key pinned for it: "accepted" or "already applied";
    BadRotation otherwise. Either way the audit log records it."""
    now = now or timezone.now()
    detail = {"miner": rotation.miner, "fingerprint": keys.fingerprint(rotation.new_public_key)}
    try:
        with transaction.atomic():
            # locked: two rotations delivered at once must not both start from the same pinned key
            row = MinerKey.objects.select_for_update().filter(index=rotation.miner).first()
            current = row.public_key if row else (settings.MINERS[rotation.miner].get("public_key") or "")
            if current == rotation.new_public_key and row and row.previous_key == rotation.old_public_key:
                return "already applied"
            verify_rotation(rotation, current)
            row = row or MinerKey(index=rotation.miner)
            grace = timedelta(seconds=settings.MINER_KEY_GRACE_SECONDS)
            row.previous_key, row.previous_until = current, now + grace
            row.public_key, row.pinned_at = rotation.new_public_key, now
            row.save()
            announce("key_rotated", None, request, **detail, previous_until=row.previous_until.isoformat())
    except BadRotation as exc:
        announce("key_rotation_refused", None, request, **detail, reason=str(exc))
        raise
    return "accepted"
