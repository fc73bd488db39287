"""Access tokens, submissions (one per attempt) and the miners' receipts.

The portal never holds a figure or a share: a submission is only the pseudonym under
which the three miners store their shares, who made it, and whether all three miners
signed a receipt for it.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from consortium.accounts.models import Company
from consortium.periods.models import CollectionPeriod


class AccessToken(models.Model):
    """A single-use, short-lived permission to submit one form. Only the SHA-256 of the token is kept."""

    token_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    company = models.ForeignKey(Company, on_delete=models.CASCADE)
    period = models.ForeignKey(CollectionPeriod, on_delete=models.CASCADE)
    form_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    # which miners have verified it (a second verify by the same miner is a replay)
    used_by_miner_0 = models.BooleanField(default=False)
    used_by_miner_1 = models.BooleanField(default=False)
    used_by_miner_2 = models.BooleanField(default=False)
    consumed_at = models.DateTimeField(null=True, blank=True)

    def used_by(self, miner: int) -> bool:
        return getattr(self, f"used_by_miner_{miner}")


def sent_attempts(prefix: str = "") -> models.Q:
    """The submissions that are attempts a person would recognise: complete, failed, or in progress
    after reaching at least one miner. A form opened but never sent (pending, no miner has seen its
    token) is not an attempt. `prefix` is the lookup path from the queried model ("submissions__")."""
    return (~models.Q(**{f"{prefix}state": Submission.State.PENDING})
            | models.Q(**{f"{prefix}token__used_by_miner_0": True})
            | models.Q(**{f"{prefix}token__used_by_miner_1": True})
            | models.Q(**{f"{prefix}token__used_by_miner_2": True}))


class Submission(models.Model):
    """One attempt to submit a period's form. Only the latest complete one of a company counts."""

    class State(models.TextChoices):
        PENDING = "pending", _("in progress")
        COMPLETE = "complete", _("submitted")
        FAILED = "failed", _("failed")

    submission_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    token = models.OneToOneField(AccessToken, on_delete=models.PROTECT, related_name="submission")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="submissions")
    period = models.ForeignKey(CollectionPeriod, on_delete=models.PROTECT, related_name="submissions")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    failure_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]


class Receipt(models.Model):
    """A miner's signed statement that it stored the shares of a submission."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="receipts")
    miner = models.PositiveSmallIntegerField()
    digest = models.CharField(max_length=64)
    signature = models.CharField(max_length=100)
    verified = models.BooleanField(default=False)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["submission", "miner"], name="one_receipt_per_miner"),
        ]


class Feedback(models.Model):
    """The optional questionnaire after a complete submission (the paper's member survey).

    One answer per submission; staff see only the tallies and the free-text wishes,
    never which company gave which answer.
    """

    class Benefit(models.TextChoices):
        YES = "yes", _("yes")
        SOMEWHAT = "somewhat", _("somewhat")
        NO = "no", _("no")

    class Explanation(models.TextChoices):
        YES = "yes", _("yes")
        NO = "no", _("no")
        DID_NOT_READ = "did_not_read", _("I did not read it")

    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="feedback")
    benefit = models.CharField(_("Does the analysis benefit your company?"), max_length=10,
                               choices=Benefit.choices)
    explanation_helped = models.CharField(_("Did the explanation of how your figures are protected help?"),
                                          max_length=15, choices=Explanation.choices)
    extra_indicators = models.CharField(_("Which other indicators would you submit?"), max_length=500,
                                        blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("feedback answer")
        verbose_name_plural = _("feedback answers")
