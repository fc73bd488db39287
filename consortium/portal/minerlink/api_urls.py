from django.urls import path

from .api import RegistrationView, RotationView

urlpatterns = [
    path("registration", RegistrationView.as_view(), name="miner-registration"),
    path("rotation", RotationView.as_view(), name="miner-key-rotation"),
]
