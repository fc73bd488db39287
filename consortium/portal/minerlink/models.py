"""The miners' identity keys the portal accepts (MINER_<i>_PUBLIC_KEY the first pin; an approved
registration or a rotation signed by the pinned key stores a newer one), and registrations awaiting staff."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MinerKey(models.Model):
    index = models.PositiveSmallIntegerField(_("miner index"), unique=True)
    public_key = models.CharField(_("public key"), max_length=64)
    pinned_at = models.DateTimeField(_("pinned"))
    previous_key = models.CharField(_("previous key"), max_length=64, blank=True)
    previous_until = models.DateTimeField(_("previous key accepted until"), null=True, blank=True)

    class Meta:
        verbose_name = _("miner key")
        verbose_name_plural = _("miner keys")

    def __str__(self):
        return f"miner {self.index}"


class MinerRegistration(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("waiting for approval")
        APPROVED = "approved", _("approved")

    index = models.PositiveSmallIntegerField(_("miner index"))
    url = models.CharField(_("URL"), max_length=500)
    public_key = models.CharField(_("public key"), max_length=64)
    fingerprint = models.CharField(_("fingerprint"), max_length=40)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    created = models.DateTimeField(_("registered"), auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("approved"), null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("miner registration")
        verbose_name_plural = _("miner registrations")

    def __str__(self):
        return f"miner {self.index}: {self.fingerprint}"
