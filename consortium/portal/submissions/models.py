"""Access tokens, submissions (one per attempt) and the miners' receipts.

The portal never holds a figure or a share: a submission is only the pseudonym under
which the three miners store their shares, who made it, and whether all three miners
signed a receipt for it.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from consortium.portal.accounts.models import Company
from consortium.portal.periods.models import CollectionPeriod


class AccessToken(models.Model):
    """A single-use, short-lived permission to submit one form. Only the SHA-256 of the token is kept."""

    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE)
    company = models.ForeignKey(Company, verbose_name=_("company"), on_delete=models.CASCADE)
    period = models.ForeignKey(CollectionPeriod, verbose_name=_("period"), on_delete=models.CASCADE)
    form_id = models.UUIDField(_("form"), unique=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    # which miners have verified it (a second verify by the same miner is a replay); people count from 1
    used_by_miner_0 = models.BooleanField(_("verified by miner 1"), default=False)
    used_by_miner_1 = models.BooleanField(_("verified by miner 2"), default=False)
    used_by_miner_2 = models.BooleanField(_("verified by miner 3"), default=False)
    consumed_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")

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

    submission_id = models.UUIDField(_("submission id"), unique=True, default=uuid.uuid4, editable=False)
    token = models.OneToOneField(AccessToken, verbose_name=_("access token"), on_delete=models.PROTECT,
                                 related_name="submission")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"),
                             on_delete=models.PROTECT)
    company = models.ForeignKey(Company, verbose_name=_("company"), on_delete=models.PROTECT,
                                related_name="submissions")
    period = models.ForeignKey(CollectionPeriod, verbose_name=_("period"), on_delete=models.PROTECT,
                               related_name="submissions")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    failure_reason = models.CharField(_("why it failed (code)"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")


# People count miners from 1; the contract and the code from 0.
MINER_CHOICES = [(0, _("Miner 1")), (1, _("Miner 2")), (2, _("Miner 3"))]


class Receipt(models.Model):
    """A miner's signed statement that it stored the shares of a submission."""

    submission = models.ForeignKey(Submission, verbose_name=_("submission"), on_delete=models.CASCADE,
                                   related_name="receipts")
    miner = models.PositiveSmallIntegerField(_("miner"), choices=MINER_CHOICES)  # index 0-2, shown 1-3
    digest = models.CharField(_("digest"), max_length=64)
    signature = models.CharField(_("signature"), max_length=100)
    verified = models.BooleanField(_("verified"), default=False)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
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

    submission = models.OneToOneField(Submission, verbose_name=_("submission"), on_delete=models.CASCADE,
                                      related_name="feedback")
    # Each question may be left unanswered (blank).
    benefit = models.CharField(_("Does the analysis benefit your company?"), max_length=10,
                               choices=Benefit.choices, blank=True)
    explanation_helped = models.CharField(_("Did the explanation of how your figures are protected help?"),
                                          max_length=15, choices=Explanation.choices, blank=True)
    extra_indicators = models.CharField(_("Which other indicators would you submit?"), max_length=500,
                                        blank=True)
    created_at = models.DateTimeField(_("answered"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("feedback answer")
        verbose_name_plural = _("feedback answers")
