"""Websocket routes of the runs app (joined to the ASGI router in consortium/asgi.py)."""

from django.urls import path

from .consumers import RunProgressConsumer

websocket_urlpatterns = [
    path("ws/runs/<uuid:run_id>/", RunProgressConsumer.as_asgi()),
]
