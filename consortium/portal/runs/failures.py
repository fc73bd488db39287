"""Why a run failed: short codes in the database and the audit log, sentences for people when shown.

A stored reason is one or more items joined by "; "; an item is `<kind>`, `<kind>:<miner>` or
`<kind>:<miner>:<detail>` (miner empty when none). The detail is a short technical word the portal
chose ("HTTP 503", an analysis label, a seconds count) or, for `miner_failed`, the miner's own text:
never a value or a share. Miners are indices 0-2 in codes, "Miner 1" to "Miner 3" in sentences.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from consortium.portal.minerlink import client as miner_client

# portal -> miner, at the start
RUN_REFUSED = "run_refused"  # 409: the miner knows the run id with other parameters
NOT_ACCEPTED = "not_accepted"  # detail: the client's reason (timeout, HTTP 503, unexpected answer)
# miner -> portal, during the run
MINER_FAILED = "miner_failed"  # detail: the miner's own reason
TIMEOUT = "timeout"  # detail: the limit in seconds
# the outputs
NAMES_OTHER_MINER = "names_other_miner"  # detail: the index it named
DIGEST_MISMATCH = "digest_mismatch"
NO_KEY = "no_key"
BAD_SIGNATURE = "bad_signature"
NOT_AS_DOCUMENTED = "not_as_documented"
NOT_ONE_PER_ANALYSIS = "not_one_per_analysis"
COUNTS_DISAGREE = "counts_disagree"  # detail: the analysis
COUNTS_DO_NOT_FIT = "counts_do_not_fit"  # detail: the analysis
NOT_ONE_ROW_PER_PERIOD = "not_one_row_per_period"  # detail: the analysis
PRESENCE_NOT_BINARY = "presence_not_binary"  # detail: the analysis and row
MALFORMED_SHARES = "malformed_shares"  # detail: "<analysis>: <why>"
INCONSISTENT_SHARES = "inconsistent_shares"  # detail: "<analysis>: <the component>"
NOT_RECONSTRUCTED = "not_reconstructed"  # detail: "<analysis>: <error type>", or with a miner the type

MAX_DETAIL = 120


class Failure(Exception):
    """A reason to fail a run, as its code; `str()` is the code, safe to store, log and audit."""

    def __init__(self, kind: str, miner: int | None = None, detail: str = ""):
        super().__init__(code(kind, miner, detail))


def code(kind: str, miner: int | None = None, detail: str = "") -> str:
    detail = " ".join(str(detail).replace(";", ",").split())[:MAX_DETAIL]
    who = "" if miner is None else str(miner)
    return f"{kind}:{who}:{detail}" if detail else (f"{kind}:{who}" if who else kind)


def join(codes) -> str:
    return "; ".join(codes)


def _sentence(kind: str, n: int | None, detail: str) -> str:
    per_miner = {
        RUN_REFUSED: _("Miner %(n)s refused the run: it knows this run id with other parameters"),
        NOT_ACCEPTED: _("Miner %(n)s did not accept the run (%(detail)s)"),
        MINER_FAILED: _("Miner %(n)s reported a failure: %(detail)s"),
        NAMES_OTHER_MINER: _("Miner %(n)s sent outputs that name Miner %(other)s"),
        DIGEST_MISMATCH: _("The outputs of Miner %(n)s do not match their digest"),
        NO_KEY: _("Miner %(n)s has no valid public key configured"),
        BAD_SIGNATURE: _("The signature of Miner %(n)s over its outputs does not verify"),
        NOT_AS_DOCUMENTED: _("Miner %(n)s sent outputs that are not exactly in the documented format "
                             "(a value of another type, or an unknown key)"),
        NOT_ONE_PER_ANALYSIS: _("Miner %(n)s did not send exactly one output per analysis"),
        MALFORMED_SHARES: _("Miner %(n)s sent a malformed share array for %(label)s: %(why)s"),
        NOT_RECONSTRUCTED: _("The miners' outputs could not be reconstructed (%(detail)s); the last to "
                             "arrive came from Miner %(n)s"),
    }
    general = {
        COUNTS_DISAGREE: _("The miners disagree on the counts of %(detail)s"),
        COUNTS_DO_NOT_FIT: _("The counts of %(detail)s do not fit the run"),
        NOT_ONE_ROW_PER_PERIOD: _("%(detail)s does not have one row per period"),
        PRESENCE_NOT_BINARY: _("%(detail)s is not 0/1"),
        INCONSISTENT_SHARES: _("The output shares of %(label)s are inconsistent: %(why)s"),
        NOT_RECONSTRUCTED: _("The output shares of %(label)s could not be reconstructed (%(why)s)"),
    }
    if kind == TIMEOUT:
        seconds = int(detail) if detail.isdigit() else 0
        now = timezone.now()
        return (_("The miners did not finish the analysis within %(limit)s of its start (the time limit)")
                % {"limit": timesince(now, now + timedelta(seconds=seconds))})
    if kind == MINER_FAILED and not detail:
        detail = _("no reason given")
    if kind == NOT_ACCEPTED:
        detail = miner_client.for_people(detail)  # "connection refused", ... in the reader's language
    label, _sep, why = detail.partition(": ")  # an analysis, and what is wrong with it
    other = int(detail) + 1 if detail.isdigit() else detail
    names = {"n": n, "detail": detail, "label": label, "why": why, "other": other}
    if kind in per_miner and n is not None:
        return per_miner[kind] % names
    if kind in general:
        return general[kind] % names
    return _("The analysis failed.")


def describe(reason: str) -> str:
    """The stored reason as sentences in the active language."""
    if not reason:
        return ""
    sentences = []
    for item in reason.split("; "):
        kind, _sep, rest = item.partition(":")
        miner, _sep, detail = rest.partition(":")
        n = int(miner) + 1 if miner.isdigit() else None
        sentences.append(_sentence(kind, n, detail))
    return "; ".join(sentences)
