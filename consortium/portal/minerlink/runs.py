"""The portal's calls to the miners for analysis runs (docs/api.md section 4).

Built on `consortium.portal.minerlink.client` (standard library HTTP, `Authorization: Portal <secret_i>`,
MINER_HTTP_TIMEOUT_SECONDS, no redirects). A failure raises `MinerUnavailable` whose text
names the miner (numbered 1-3, as people count; the code and the contract use 0-2) and says what went
wrong, never the request body, a URL or a secret.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from consortium.portal.minerlink import client as miner_client


class MinerUnavailable(Exception):
    """A miner refused a call or could not be reached; str() is safe to show and to log."""


def start(miner: int, request_body: dict) -> None:
    """`POST {miner}/api/runs`: the miner accepts the run (202) or this raises MinerUnavailable."""
    try:
        answer = miner_client.request_json(miner, "POST", "/api/runs", request_body, auth=True)
    except miner_client.MinerError as exc:
        if str(exc) == "HTTP 409":
            raise MinerUnavailable(_("Miner %(i)d refused the run: it knows this run id with other "
                                     "parameters") % {"i": miner + 1}) from None
        raise MinerUnavailable(_("Miner %(i)d did not accept the run (%(why)s)")
                               % {"i": miner + 1, "why": miner_client.for_people(str(exc))}) from None
    if not isinstance(answer, dict) or answer.get("accepted") is not True:
        raise MinerUnavailable(_("Miner %(i)d did not accept the run (unexpected answer)") % {"i": miner + 1})


def status(miner: int, run_id: str) -> dict:
    """`GET {miner}/api/runs/<run_id>`: the miner's progress, the polling fallback of its pushes."""
    try:
        answer = miner_client.request_json(miner, "GET", f"/api/runs/{run_id}", auth=True)
    except miner_client.MinerError as exc:
        raise MinerUnavailable(_("Miner %(i)d did not report its progress (%(why)s)")
                               % {"i": miner + 1, "why": miner_client.for_people(str(exc))}) from None
    if not isinstance(answer, dict):
        raise MinerUnavailable(_("Miner %(i)d did not report its progress (unexpected answer)")
                               % {"i": miner + 1})
    return answer
