"""What a miner stores. Shares are ring elements (below 2^64), kept as 8 little-endian bytes because a
signed 64-bit integer column cannot hold them; alone, each is a uniformly random number.

Stored shares are never changed: a receipt was signed over them. `save` refuses an update and `delete`
refuses outright, so no code path can rewrite a member's shares after the receipt went out. The one
exception is retention (miners/retention): once the period's report is published, the portal asks for
all of a period's submissions to be deleted at once, and `PeriodPurge` records that they were.
"""

from django.db import models

from consortium.contract.run_request import RUN_STATES

SHARE_BYTES = 8


class Immutable(Exception):
    """A stored submission or share was about to be changed."""


class _WriteOnce(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise Immutable(f"a stored {self._meta.model_name} is never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise Immutable(f"a stored {self._meta.model_name} is never deleted")


class Submission(_WriteOnce):
    submission_id = models.UUIDField(unique=True)  # the portal's pseudonym: no company is ever named here
    period = models.PositiveBigIntegerField()
    form = models.UUIDField()
    ring_bits = models.PositiveSmallIntegerField()
    # SHA-256 of the access token (never the token): recognises the browser's retry of the same body after
    # a lost answer, which the portal would refuse as "used" (docs/api.md section 2).
    token_hash = models.CharField(max_length=64, unique=True)
    digest = models.CharField(max_length=64)  # contract.messages.shares_digest of what is stored
    signature = models.CharField(max_length=88)  # the receipt's, so that a retry gets the same receipt
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return str(self.submission_id)


class Share(_WriteOnce):
    """This miner's additive share of one field's value and of its *submitted* flag."""

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="shares")
    code = models.CharField(max_length=40)
    value = models.BinaryField(max_length=SHARE_BYTES)
    flag = models.BinaryField(max_length=SHARE_BYTES)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["submission", "code"], name="one_share_per_field")]


def share_bytes(value: int) -> bytes:
    return value.to_bytes(SHARE_BYTES, "little")


def share_int(raw) -> int:
    return int.from_bytes(bytes(raw), "little")


class Run(models.Model):
    """A run the portal asked for. Only its request, its progress and, once finished, the signed outputs
    body are stored: intermediate values stay in the worker's memory, so nothing half-computed can ever
    be read as a result, and a restarted run recomputes from the stored shares."""

    run_id = models.UUIDField(unique=True)
    request = models.JSONField()
    request_digest = models.CharField(max_length=64)  # canonical JSON: the same request again is no conflict
    state = models.CharField(max_length=10, choices=[(s, s) for s in RUN_STATES], default="queued")
    progress = models.FloatField(default=0.0)
    step = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=300, blank=True)
    outputs = models.JSONField(null=True, blank=True)  # the signed body pushed to the portal, when done
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return str(self.run_id)

    def progress_body(self) -> dict:
        return {"state": self.state, "progress": self.progress, "step": self.step, "error": self.error}


class PeriodPurge(models.Model):
    """A period whose shares this miner deleted (retention, docs/api.md section 6): when, how many
    submissions, and the signed receipt, so that the same request again gets the same receipt. A purged
    period takes no more shares and no more runs."""

    period = models.PositiveBigIntegerField(unique=True)
    deleted_at = models.DateTimeField()  # whole seconds, as the receipt writes it
    submissions = models.PositiveIntegerField()
    signature = models.CharField(max_length=88)

    def __str__(self):
        return f"period {self.period} purged"
