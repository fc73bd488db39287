"""Reports: one per finished analysis run, a draft until the board publishes it.

A period may be analysed again (a correction came in late, a miner failed): publishing the new report
supersedes the one published before it. Both stay (what members were shown is part of the record), but
only one published report per period is current.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from consortium.portal.periods.models import CollectionPeriod
from consortium.portal.runs.models import AnalysisRun


class Report(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    period = models.ForeignKey(CollectionPeriod, verbose_name=_("period"), on_delete=models.PROTECT,
                               related_name="reports")
    run = models.OneToOneField(AnalysisRun, verbose_name=_("analysis run"), on_delete=models.PROTECT,
                               related_name="report")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    notes = models.TextField(_("board's notes"), blank=True, max_length=5000)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("published by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    superseded_by = models.ForeignKey("self", verbose_name=_("superseded by"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(fields=["period"], condition=Q(state="published", superseded_by=None),
                                    name="one_current_report_per_period"),
        ]

    def __str__(self):
        return f"{self.period} ({self.get_state_display()})"

    @property
    def is_published(self) -> bool:
        return self.state == self.State.PUBLISHED

    @property
    def is_superseded(self) -> bool:
        return self.superseded_by_id is not None

    def visible_to(self, user) -> bool:
        """Published: every logged-in user. Draft: only the board (issue 3: only board members see drafts)."""
        if not user.is_authenticated:
            return False
        return self.is_published or user.is_board
