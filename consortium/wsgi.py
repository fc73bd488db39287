"""WSGI entry point (plain HTTP only; deployments use consortium.asgi for websockets)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consortium.settings")

application = get_wsgi_application()
