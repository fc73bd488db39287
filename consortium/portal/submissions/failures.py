"""Why a submission attempt failed: short codes in the database, sentences for people.

A code is `<kind>` or `<kind>:<miner index>`; several are joined with commas. The code
names a miner or a rule, never a value, so it is safe in the audit log.
"""

from django.utils.translation import gettext as _

MISSING = "missing"
DUPLICATE = "duplicate"
MALFORMED = "malformed"
BAD_SIGNATURE = "bad_signature"
NO_KEY = "no_key"
WRONG_SUBMISSION = "wrong_submission"
WRONG_PERIOD = "wrong_period"
PERIOD_CLOSED = "period_closed"
ALREADY_FAILED = "already_failed"


def code(kind: str, miner: int | None = None) -> str:
    return kind if miner is None else f"{kind}:{miner}"


def _sentence(kind: str, miner: str | None) -> str:
    n = int(miner) + 1 if miner is not None and miner.isdigit() else None
    per_miner = {
        MISSING: _("No receipt from Miner %(n)s: it may not have stored your figures."),
        DUPLICATE: _("More than one receipt from Miner %(n)s."),
        BAD_SIGNATURE: _("The receipt of Miner %(n)s is not signed by that miner."),
        NO_KEY: _("The portal does not know the key of Miner %(n)s; please tell the consortium staff."),
        WRONG_SUBMISSION: _("The receipt of Miner %(n)s is for another submission."),
        WRONG_PERIOD: _("The receipt of Miner %(n)s is for another period."),
    }
    general = {
        MALFORMED: _("A receipt could not be read."),
        PERIOD_CLOSED: _("The period closed before the submission was complete."),
        ALREADY_FAILED: _("This attempt has already failed; please fill in a new form."),
    }
    if kind in per_miner and n is not None:
        return per_miner[kind] % {"n": n}
    return general.get(kind, _("The submission could not be completed."))


def describe(reason: str) -> str:
    """The stored reason as sentences in the active language."""
    if not reason:
        return ""
    sentences = []
    for item in reason.split(","):
        kind, _sep, miner = item.partition(":")
        sentences.append(_sentence(kind, miner or None))
    return " ".join(sentences)
