"""The miner's routes (DEPLOYMENT_MODE=miner only: consortium/urls.py includes them in that mode)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from miners import views
from miners.identity.views import IdentityView, RotationView
from miners.intake.views import SharesView
from miners.runs.views import RunsView, RunView

app_name = "miners"

urlpatterns = [
    path("api/health", views.HealthView.as_view(), name="health"),
    path("api/identity", IdentityView.as_view(), name="identity"),
    path("api/identity/rotation", RotationView.as_view(), name="identity-rotation"),
    path("api/shares", SharesView.as_view(), name="shares"),
    path("api/runs", RunsView.as_view(), name="runs"),
    path("api/runs/<uuid:run_id>", RunView.as_view(), name="run"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
]
