"""What each miner confirmed of a period's deletion: its signed receipt, or why it has not yet."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from consortium.portal.periods.models import CollectionPeriod


class MinerDeletion(models.Model):
    """The deletion of one period's shares at one miner. `deleted` only with a receipt whose signature
    verified against that miner's key; until then `pending` (not asked yet) or `failed` (asked, and the
    miner could not be reached or its answer did not verify: asked again by the next task run)."""

    class State(models.TextChoices):
        PENDING = "pending", _("requested")
        FAILED = "failed", _("not confirmed")
        DELETED = "deleted", _("deleted")

    period = models.ForeignKey(CollectionPeriod, verbose_name=_("period"), on_delete=models.PROTECT,
                               related_name="share_deletions")
    miner = models.PositiveSmallIntegerField(_("miner"))  # the index, 0-2
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    # None: the retention task
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    error = models.CharField(_("why not confirmed"), max_length=200, blank=True)
    # The verified receipt, as the miner signed it (docs/api.md section 6).
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)
    submissions = models.PositiveIntegerField(_("submissions deleted"), null=True, blank=True)
    receipt = models.JSONField(_("signed receipt"), null=True, blank=True)

    class Meta:
        ordering = ["period", "miner"]
        verbose_name = _("share deletion")
        verbose_name_plural = _("share deletions")
        constraints = [models.UniqueConstraint(fields=["period", "miner"], name="one_deletion_per_miner")]

    def __str__(self):
        return f"{self.period} / miner {self.miner}: {self.state}"

    @property
    def number(self) -> int:
        """The miner as people count them (Miner 1 to Miner 3)."""
        return self.miner + 1
