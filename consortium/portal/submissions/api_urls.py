"""Routes under /api/miner/ that this app serves (the runs app has its own module there)."""

from django.urls import path

from . import api_views

app_name = "submissions_api"
urlpatterns = [
    path("tokens/verify", api_views.TokenVerifyView.as_view(), name="tokens_verify"),
]
