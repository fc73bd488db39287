"""ASGI entry point: `python -m uvicorn consortium.asgi:application`.

Websocket routes join the router when the app that owns them (the miners' peer
channel, the portal's progress stream) adds its consumers.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consortium.settings")

# Set up Django before anything imports models (consumers will).
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

application = ProtocolTypeRouter({"http": django_asgi_app})
