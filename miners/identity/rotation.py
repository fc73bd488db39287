"""Delivering this miner's own rotation statements (`manage.py rotate_identity`) to its two peers
(`POST <peer>/api/identity/rotation`) and the portal (`POST <portal>/api/miner/identity/rotation`, with
the miner's credentials); who has acknowledged each one is stored, so a retry skips them."""

import logging

from django.conf import settings

from consortium.contract.rotation import Rotation
from miners.pins.models import OwnRotation
from miners.pins.store import peers

from .calls import CallFailed, call

PORTAL = "portal"
logger = logging.getLogger(__name__)


def own_rotation_from(rotation: Rotation) -> OwnRotation:
    return OwnRotation.objects.create(at=rotation.at, old_public_key=rotation.old_public_key,
                                      new_public_key=rotation.new_public_key, signature=rotation.signature)


def statement(row: OwnRotation) -> Rotation:
    return Rotation(settings.MINER_INDEX, row.old_public_key, row.new_public_key, row.at, row.signature)


def targets() -> dict[str, tuple[str, bool]]:
    """who -> (URL, with the miner's credentials)."""
    targets = {f"miner {j + 1} (index {j})": (peer.url + "/api/identity/rotation", False)
               for j, peer in peers().items()}
    targets[PORTAL] = (settings.PORTAL_URL + "/api/miner/identity/rotation", True)
    return targets


def deliver(row: OwnRotation, timeout: float = 10) -> dict[str, str]:
    """who -> "accepted", "already applied", "delivered before" or why it failed."""
    body, outcomes = statement(row).as_json(), {}
    for who, (url, as_miner) in targets().items():
        if who in row.delivered_to:
            outcomes[who] = "delivered before"
            continue
        try:
            answer = call("POST", url, body, as_miner=as_miner, timeout=timeout)
        except CallFailed as exc:
            outcomes[who] = f"not delivered: {exc}"
            continue
        result = answer.get("result")
        if result not in ("accepted", "already applied"):  # an answer out of contract is no delivery
            outcomes[who] = "not delivered: an answer without the result of a rotation"
            continue
        outcomes[who] = result
        row.delivered_to = [*row.delivered_to, who]
        row.save(update_fields=["delivered_to"])
    return outcomes


# at a run's start the peers are waited for anyway; a peer that is still down costs this much more
PENDING_TIMEOUT_SECONDS = 2


def deliver_pending() -> None:
    """Deliver this miner's last rotation to whoever has not acknowledged it (a peer that was down when
    `rotate_identity` ran): called before a run opens the peer channel, so the peer pins the new key
    before it needs it. Quiet: a failure is logged and tried again at the next run."""
    row = OwnRotation.objects.first()
    if row is None or set(targets()) <= set(row.delivered_to):
        return
    for who, outcome in deliver(row, timeout=PENDING_TIMEOUT_SECONDS).items():
        if outcome.startswith("not delivered"):
            logger.warning("key rotation still not delivered to %s: %s", who, outcome)
