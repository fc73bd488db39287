"""The miner's routes (DEPLOYMENT_MODE=miner only: consortium/urls.py includes them in that mode)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from consortium.metrics import metrics_view
from miners import views
from miners.doctor.page import status_page
from miners.doctor.views import DoctorView
from miners.identity.views import IdentityView, RotationView
from miners.intake.views import SharesView
from miners.metrics import RunsByState
from miners.retention.views import PurgeView
from miners.runs.views import RunsView, RunView

app_name = "miners"

urlpatterns = [
    path("api/health", views.HealthView.as_view(), name="health"),
    path("api/doctor", DoctorView.as_view(), name="doctor"),
    path("status", status_page, name="status"),
    path("api/identity", IdentityView.as_view(), name="identity"),
    path("api/identity/rotation", RotationView.as_view(), name="identity-rotation"),
    path("api/shares", SharesView.as_view(), name="shares"),
    path("api/runs", RunsView.as_view(), name="runs"),
    path("api/runs/<uuid:run_id>", RunView.as_view(), name="run"),
    path("api/periods/<int:period_id>/purge", PurgeView.as_view(), name="purge"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("metrics", metrics_view(RunsByState()), name="metrics"),
]
