"""This miner's shares for a run request, as `miners.runs.computation` takes them."""

from __future__ import annotations

from miners.runs.computation import Inputs, codes, submission_ids
from miners.store.models import Share, Submission, share_int


class MissingShares(Exception):
    """The run names submissions this miner does not hold (or holds for another ring); str() is safe."""


def load_inputs(request: dict) -> Inputs:
    """{(submission id, code): (value share, flag share)} for every submission and code the request reads.
    None (a company without a complete submission that period) and a code a submission lacks are left out:
    the computation reads them as shares of zero with a zero flag."""
    ids = {sid for sid in submission_ids(request) if sid is not None}
    stored = dict(Submission.objects.filter(submission_id__in=ids).values_list("submission_id", "ring_bits"))
    missing = len(ids) - len(stored)
    if missing:
        raise MissingShares(f"{missing} submission(s) named by the run are not stored at this miner")
    if any(bits != request["ring"] for bits in stored.values()):
        raise MissingShares(f"some submissions were stored for another ring than Z_2^{request['ring']}")
    shares = Share.objects.filter(submission__submission_id__in=ids, code__in=codes(request))
    rows = shares.values_list("submission__submission_id", "code", "value", "flag")
    return {(str(sid), code): (share_int(value), share_int(flag)) for sid, code, value, flag in rows}
