"""The miners as the status page shows them: their health, their doctor's summary (docs/api.md section 5),
and whether each ships the sharing library this portal serves to members' browsers.

Each miner's operator reviews the code of the version its miner runs, the browser's sharing library
included (docs/api.md section 5 names its SHA-256). Members' browsers run the library the portal serves. If
the two differ, members would trust a library no miner's operator has seen: the page says so in words.
"""

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from consortium.portal import static_digests
from consortium.portal.minerlink import client as miner_client

# How a miner's library compares with the portal's
SAME, DIFFERENT, UNKNOWN, NOT_CHECKED = "same", "different", "unknown", "not_checked"


def _peers_for_people(peers: dict) -> dict:
    """A health answer's {"<j>": "ok" | "unreachable"} as people read it: miners counted from 1, the state
    in their language (the contract keeps indices 0-2)."""
    states = {"ok": _("ok"), "unreachable": _("unreachable")}
    return {(str(int(j) + 1) if j.isdigit() else j): states.get(s, s) for j, s in sorted(peers.items())}


def library_state(portal_sha256: str | None, health: dict) -> str:
    """SAME or DIFFERENT from the portal's; UNKNOWN when a miner that answers names no digest; NOT_CHECKED
    when the miner does not answer or the portal serves no library (nothing to compare)."""
    if health.get("status") not in miner_client.HEALTH_STATES or portal_sha256 is None:
        return NOT_CHECKED
    shipped = health.get("sharing_library_sha256", "")
    if not shipped:
        return UNKNOWN
    return SAME if shipped == portal_sha256 else DIFFERENT


def library_warning(n: int, state: str) -> str:
    """The sentence that flags miner n's (counted from 1) library, or "" when there is nothing to flag."""
    if state == DIFFERENT:
        return _("Miner %(n)d ships a different sharing library from the one this portal serves: members' "
                 "browsers would run code its operator did not review.") % {"n": n}
    if state == UNKNOWN:
        return _("Miner %(n)d does not say which sharing library it ships (an older version, or the file "
                 "is missing): its operator cannot confirm having reviewed the code members' browsers "
                 "run.") % {"n": n}
    return ""


def miners_for_people() -> tuple[static_digests.Digests | None, list[dict]]:
    """The portal's own library digests, and each miner's health as the page shows it. The miners are
    asked over HTTP: call this outside any transaction (it waits one short timeout at most)."""
    portal = static_digests.sharing_library()
    with ThreadPoolExecutor(max_workers=2) as pool:  # the page waits for the slowest answer only
        healths, doctors = pool.submit(miner_client.health_all), pool.submit(miner_client.doctor_all)
        healths, doctors = healths.result(), doctors.result()
    miners = []
    for (i, health), doctor in zip(enumerate(healths), doctors, strict=True):
        state = library_state(portal.sha256 if portal else None, health)
        miners.append({
            "index": i, "host": urlsplit(miner_client.miner_url(i)).netloc, **health,
            "error": miner_client.for_people(health.get("error", "")),
            "peers": _peers_for_people(health.get("peers", {})),
            "library": state, "library_warning": library_warning(i + 1, state),
            "doctor": {**doctor, "error": miner_client.for_people(doctor.get("error", ""))},
        })
    return portal, miners
