"""Collection periods and the indicators members fill in for them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodKind(models.TextChoices):
    SEMI_ANNUAL = "semi_annual", _("semi-annual")
    ANNUAL = "annual", _("annual")


class CollectionPeriod(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        OPEN = "open", _("open for submissions")
        CLOSED = "closed", _("closed")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=PeriodKind.choices)
    starts_on = models.DateField(_("covers from"))
    ends_on = models.DateField(_("covers until"))
    deadline = models.DateField(_("submission deadline"), null=True, blank=True,
                                help_text=_("The last day to submit, as members are told. Staff still "
                                            "close the period themselves."))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Retention (consortium.portal.retention): when the deletion of the period's shares at the miners was
    # requested. From then on the period can no longer be analysed, whatever each miner has confirmed.
    shares_deletion_requested_at = models.DateTimeField(_("deletion of its shares requested"), null=True,
                                                        blank=True)

    class Meta:
        ordering = ["-ends_on"]
        verbose_name = _("collection period")
        verbose_name_plural = _("collection periods")

    def __str__(self):
        return self.name

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN

    @property
    def ring_bits(self) -> int:
        return ring_bits_for((d.lo, d.hi) for d in self.indicators.all())


def ring_bits_for(ranges) -> int:
    """Z_2^32 (as Sharemind) when every indicator's (lo, hi) fits it, else Z_2^64."""
    limit = 2**31 - 1
    return 32 if all(-limit <= lo and hi <= limit for lo, hi in ranges) else 64


class Encoding(models.TextChoices):
    INTEGER = "integer", _("integer")
    FIXED = "fixed", _("fixed-point (decimal)")


class IndicatorDefinition(models.Model):
    """One field of the period's form. Values are integers in the MPC: a fixed-point value is
    multiplied by 10**scale in the browser, and lo/hi are stated in the same (scaled) units."""

    period = models.ForeignKey(CollectionPeriod, verbose_name=_("period"), on_delete=models.CASCADE,
                               related_name="indicators")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    encoding = models.CharField(_("encoding"), max_length=10, choices=Encoding.choices,
                                default=Encoding.INTEGER)
    scale = models.PositiveSmallIntegerField(_("decimal places"), default=0)
    lo = models.BigIntegerField(_("lowest allowed (scaled)"))
    hi = models.BigIntegerField(_("highest allowed (scaled)"))
    required = models.BooleanField(_("required"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["period", "position"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["period", "code"], name="indicator_code_unique_in_period"),
            models.CheckConstraint(name="indicator_range_not_empty",
                                   condition=models.Q(lo__lte=models.F("hi"))),
        ]

    def __str__(self):
        return f"{self.display_name} ({self.unit})" if self.unit else self.display_name

    @property
    def display_name(self) -> str:
        """The name to show people: a default indicator's in the active language (the stored one is
        in the language of whoever created the period), a name staff typed as typed."""
        from .indicator_sets import translated_default

        return translated_default(self.code, "name", self.name)

    @property
    def display_help_text(self) -> str:
        from .indicator_sets import default_help_text

        return default_help_text(self.code, self.name, self.help_text)
