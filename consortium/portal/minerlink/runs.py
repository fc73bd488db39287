"""The portal's calls to the miners for analysis runs (docs/api.md section 4).

Built on `consortium.portal.minerlink.client` (standard library HTTP, `Authorization: Portal <secret_i>`,
MINER_HTTP_TIMEOUT_SECONDS, no redirects). A failure raises `MinerUnavailable` whose text (English)
names the miner (numbered 1-3, as people count; the code and the contract use 0-2) and says what went
wrong, never the request body, a URL or a secret.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from consortium.portal.minerlink import client as miner_client

# A run's reason is stored in English, whoever started it (the same record for every reader, and the text
# the portal answers a miner with); people read it in their language (`for_people`).
REFUSED = gettext_noop("Miner %(i)d refused the run: it knows this run id with other parameters")
NOT_ACCEPTED = gettext_noop("Miner %(i)d did not accept the run (%(why)s)")
NOT_ACCEPTED_ANSWER = gettext_noop("Miner %(i)d did not accept the run (unexpected answer)")
NO_PROGRESS = gettext_noop("Miner %(i)d did not report its progress (%(why)s)")
NO_PROGRESS_ANSWER = gettext_noop("Miner %(i)d did not report its progress (unexpected answer)")
_REASONS = [NOT_ACCEPTED_ANSWER, NO_PROGRESS_ANSWER, REFUSED, NOT_ACCEPTED, NO_PROGRESS]


def _pattern(msgid: str) -> re.Pattern:
    return re.compile(re.escape(msgid).replace(re.escape("%(i)d"), r"(?P<i>[1-3])")
                      .replace(re.escape("%(why)s"), r"(?P<why>[^()]+)"))


_PATTERNS = [(msgid, _pattern(msgid)) for msgid in _REASONS]


def for_people(reason: str) -> str:
    """A stored reason of this module in the active language; any other text as it is."""
    for msgid, pattern in _PATTERNS:
        found = pattern.fullmatch(reason)
        if found:
            values = found.groupdict()
            return _(msgid) % {"i": int(values["i"]), "why": miner_client.for_people(values.get("why", ""))}
    return reason


class MinerUnavailable(Exception):
    """A miner refused a call or could not be reached; str() is safe to show and to log."""


def start(miner: int, request_body: dict) -> None:
    """`POST {miner}/api/runs`: the miner accepts the run (202) or this raises MinerUnavailable."""
    try:
        answer = miner_client.request_json(miner, "POST", "/api/runs", request_body, auth=True)
    except miner_client.MinerError as exc:
        if str(exc) == "HTTP 409":
            raise MinerUnavailable(REFUSED % {"i": miner + 1}) from None
        raise MinerUnavailable(NOT_ACCEPTED % {"i": miner + 1, "why": exc}) from None
    if not isinstance(answer, dict) or answer.get("accepted") is not True:
        raise MinerUnavailable(NOT_ACCEPTED_ANSWER % {"i": miner + 1})


def status(miner: int, run_id: str) -> dict:
    """`GET {miner}/api/runs/<run_id>`: the miner's progress, the polling fallback of its pushes."""
    try:
        answer = miner_client.request_json(miner, "GET", f"/api/runs/{run_id}", auth=True)
    except miner_client.MinerError as exc:
        raise MinerUnavailable(NO_PROGRESS % {"i": miner + 1, "why": exc}) from None
    if not isinstance(answer, dict):
        raise MinerUnavailable(NO_PROGRESS_ANSWER % {"i": miner + 1})
    return answer
