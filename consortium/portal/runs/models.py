"""Analysis runs: what the portal asked the miners to compute, their progress, and the results."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from consortium.portal.periods.models import CollectionPeriod

from . import failures


class AnalysisRun(models.Model):
    class State(models.TextChoices):
        STARTING = "starting", _("starting")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    run_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    period = models.ForeignKey(CollectionPeriod, on_delete=models.PROTECT, related_name="runs")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    state = models.CharField(max_length=10, choices=State.choices, default=State.STARTING)
    request = models.JSONField(default=dict)  # the body sent to the miners (ids and analyses, no data)
    results = models.JSONField(null=True, blank=True)  # reconstructed outputs, docs/api.md "Internal"
    error = models.CharField(max_length=300, blank=True)  # a code of runs/failures.py, or ""
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def reason(self) -> str:
        """Why the run failed, in the active language (`error` holds its code)."""
        return failures.describe(self.error)

    @property
    def progress(self) -> float:
        states = list(self.miner_states.all())
        return sum(s.progress for s in states) / 3 if states else 0.0


class MinerRunState(models.Model):
    """One miner's view of a run: its last progress push and, until reconstruction, its output shares."""

    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="miner_states")
    miner = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=10, default="queued")
    progress = models.FloatField(default=0.0)
    step = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=300, blank=True)
    outputs = models.JSONField(null=True, blank=True)  # signed output shares; cleared after reconstruction
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "miner"], name="one_state_per_miner")]
