"""The portal's calls to the miners for analysis runs (docs/api.md section 4).

Built on `consortium.portal.minerlink.client` (standard library HTTP, `Authorization: Portal <secret_i>`,
MINER_HTTP_TIMEOUT_SECONDS, no redirects). A failure raises `MinerUnavailable`, which names the miner
(its index) and says what went wrong in a word, never the request body, a URL or a secret.
"""

from __future__ import annotations

from consortium.portal.minerlink import client as miner_client


class MinerUnavailable(Exception):
    """A miner refused a call (`refused`: it knows the run id with other parameters) or did not answer
    as documented (`why`: a short reason such as "timeout" or "HTTP 503"); safe to show and to log."""

    def __init__(self, miner: int, why: str, refused: bool = False):
        super().__init__(f"miner {miner}: {why}")
        self.miner, self.why, self.refused = miner, why, refused


def start(miner: int, request_body: dict) -> None:
    """`POST {miner}/api/runs`: the miner accepts the run (202) or this raises MinerUnavailable."""
    try:
        answer = miner_client.request_json(miner, "POST", "/api/runs", request_body, auth=True)
    except miner_client.MinerError as exc:
        raise MinerUnavailable(miner, str(exc), refused=str(exc) == "HTTP 409") from None
    if not isinstance(answer, dict) or answer.get("accepted") is not True:
        raise MinerUnavailable(miner, "unexpected answer")


def status(miner: int, run_id: str) -> dict:
    """`GET {miner}/api/runs/<run_id>`: the miner's progress, the polling fallback of its pushes."""
    try:
        answer = miner_client.request_json(miner, "GET", f"/api/runs/{run_id}", auth=True)
    except miner_client.MinerError as exc:
        raise MinerUnavailable(miner, str(exc)) from None
    if not isinstance(answer, dict):
        raise MinerUnavailable(miner, "unexpected answer")
    return answer
