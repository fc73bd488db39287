"""Delivering this miner's own rotation statements (`manage.py rotate_identity`) to its two peers
(`POST <peer>/api/identity/rotation`) and the portal (`POST <portal>/api/miner/identity/rotation`, with
the miner's credentials); who has acknowledged each one is stored, so a retry skips them."""

from django.conf import settings

from consortium.contract.rotation import Rotation
from miners.pins.models import OwnRotation
from miners.pins.store import peers

from .calls import CallFailed, call

PORTAL = "portal"


def own_rotation_from(rotation: Rotation) -> OwnRotation:
    return OwnRotation.objects.create(at=rotation.at, old_public_key=rotation.old_public_key,
                                      new_public_key=rotation.new_public_key, signature=rotation.signature)


def statement(row: OwnRotation) -> Rotation:
    return Rotation(settings.MINER_INDEX, row.old_public_key, row.new_public_key, row.at, row.signature)


def _targets() -> dict[str, tuple[str, bool]]:
    """who -> (URL, with the miner's credentials)."""
    targets = {f"miner {j + 1} (index {j})": (peer.url + "/api/identity/rotation", False)
               for j, peer in peers().items()}
    targets[PORTAL] = (settings.PORTAL_URL + "/api/miner/identity/rotation", True)
    return targets


def deliver(row: OwnRotation) -> dict[str, str]:
    """who -> "accepted", "already applied", "delivered before" or why it failed."""
    body, outcomes = statement(row).as_json(), {}
    for who, (url, as_miner) in _targets().items():
        if who in row.delivered_to:
            outcomes[who] = "delivered before"
            continue
        try:
            answer = call("POST", url, body, as_miner=as_miner)
        except CallFailed as exc:
            outcomes[who] = f"not delivered: {exc}"
            continue
        outcomes[who] = str(answer.get("result", "accepted"))
        row.delivered_to = [*row.delivered_to, who]
        row.save(update_fields=["delivered_to"])
    return outcomes
