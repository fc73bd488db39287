"""The portal's call to a miner for retention (docs/api.md section 6): `POST {miner}/api/periods/<id>/purge`.

Built on `consortium.portal.minerlink.client` (`Authorization: Portal <secret_i>`, MINER_HTTP_TIMEOUT_SECONDS,
no redirects). The answer is returned as it came; its checks (fields, signature) are the caller's.
"""

from __future__ import annotations

from consortium.portal.minerlink import client as miner_client


def purge(miner: int, period_id: int):
    """Miner `miner`'s decoded answer; raises `client.MinerError` (a short reason) when there is none."""
    return miner_client.request_json(miner, "POST", f"/api/periods/{period_id}/purge", auth=True)
