"""Routes of the miners' pushes, included at api/miner/runs/."""

from django.urls import path

from . import api

urlpatterns = [
    path("<uuid:run_id>/progress", api.ProgressView.as_view(), name="miner-run-progress"),
    path("<uuid:run_id>/outputs", api.OutputsView.as_view(), name="miner-run-outputs"),
]
