"""A miner's deletion receipt, checked before the portal believes it (docs/api.md section 6): exactly the
documented fields, this miner and this period, and a signature that verifies against the miner's key."""

from __future__ import annotations

import datetime
import re

from django.utils.translation import gettext_lazy as _

from consortium.contract.messages import deletion_message
from consortium.portal.minerlink import client as miner_client
from consortium.portal.minerlink.keys import miner_signed

FIELDS = {"miner", "period", "submissions", "deleted_at", "signature"}
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")

# Why a receipt was not accepted: stored as the English key, shown in the reader's language.
NOT_AS_DOCUMENTED = "receipt not as documented"
OTHER_MINER_OR_PERIOD = "receipt for another miner or period"
BAD_SIGNATURE = "signature does not verify"
REASONS = {
    NOT_AS_DOCUMENTED: _("its answer is not a receipt as documented"),
    OTHER_MINER_OR_PERIOD: _("its receipt names another miner or period"),
    BAD_SIGNATURE: _("the receipt's signature does not verify with the key the portal has for this miner"),
}


class ReceiptRejected(Exception):
    """The answer is no valid receipt; str() is one of the reasons above."""


def for_people(reason: str) -> str:
    return str(REASONS.get(reason) or miner_client.for_people(reason))


def verified(miner: int, period_id: int, answer) -> tuple[dict, datetime.datetime]:
    """(the receipt, its deletion time) when `answer` is miner `miner`'s valid receipt for the period."""
    if not isinstance(answer, dict) or set(answer) != FIELDS:
        raise ReceiptRejected(NOT_AS_DOCUMENTED)
    count, at, signature = answer["submissions"], answer["deleted_at"], answer["signature"]
    if (type(count) is not int or count < 0 or not isinstance(at, str) or not TIME.fullmatch(at)
            or not isinstance(signature, str) or len(signature) > 200):
        raise ReceiptRejected(NOT_AS_DOCUMENTED)
    if type(answer["miner"]) is not int or answer["miner"] != miner or answer["period"] != period_id \
            or type(answer["period"]) is not int:
        raise ReceiptRejected(OTHER_MINER_OR_PERIOD)
    try:
        moment = datetime.datetime.strptime(at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)
    except ValueError:
        raise ReceiptRejected(NOT_AS_DOCUMENTED) from None
    if not miner_signed(miner, deletion_message(miner, period_id, count, at), signature):
        raise ReceiptRejected(BAD_SIGNATURE)
    return dict(answer), moment
