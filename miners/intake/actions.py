"""Storing a member's shares and signing the receipt (docs/api.md section 2). Each write is one transaction;
the portal is asked before it, never from inside it."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from consortium.contract import keys
from consortium.contract.messages import receipt_message, shares_digest
from consortium.contract.tokens import hash_token
from miners.store.models import Share, Submission, share_bytes


class TokenUsed(Exception):
    """The token was used for another body, or the submission id is already stored."""


@dataclass(frozen=True)
class Shares:
    period: int
    form: str
    values: dict[str, int]
    submitted: dict[str, int]

    @property
    def digest(self) -> str:
        """The canonical JSON of the shares as decimal strings, exactly as the browser sent them."""
        return shares_digest({c: str(v) for c, v in self.values.items()},
                             {c: str(v) for c, v in self.submitted.items()})


def receipt(index: int, submission: Submission) -> dict:
    return {"miner": index, "period": submission.period, "submission_id": str(submission.submission_id),
            "digest": submission.digest, "signature": submission.signature}


def stored_retry(token: str, shares: Shares) -> Submission | None:
    """The submission stored with this token when `shares` is the same body again (the browser's retry
    after a lost answer); None when the token stored nothing here; TokenUsed when it stored another body."""
    # [:1], not first(): the hash is unique, and first() would add an ORDER BY to a query that every
    # submission makes.
    found = list(Submission.objects.filter(token_hash=hash_token(token))[:1])
    if not found:
        return None
    stored = found[0]
    if (stored.period, str(stored.form), stored.digest) != (shares.period, shares.form, shares.digest):
        raise TokenUsed("this access token was already used for other shares")
    return stored


def do_store(index: int, signing_key, token: str, shares: Shares, submission_id: str,
             ring_bits: int) -> Submission:
    """Store every share under `submission_id` with the signed receipt, all or nothing."""
    digest = shares.digest
    signature = keys.sign(signing_key, receipt_message(index, shares.period, submission_id, digest))
    try:
        with transaction.atomic():
            # Two requests with the same token can both pass the retry check before either stores; the
            # unique token hash and submission id let only the first one in.
            submission = Submission.objects.create(
                submission_id=submission_id, period=shares.period, form=shares.form, ring_bits=ring_bits,
                token_hash=hash_token(token), digest=digest, signature=signature)
            Share.objects.bulk_create(
                Share(submission=submission, code=code, value=share_bytes(value),
                      flag=share_bytes(shares.submitted[code]))
                for code, value in sorted(shares.values.items()))
    except IntegrityError:
        raise TokenUsed("shares are already stored for this submission") from None
    return submission

