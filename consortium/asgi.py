"""ASGI entry point: `python -m uvicorn consortium.asgi:application`.

Websocket routes join the router when the app that owns them (the miners' peer
channel, the portal's progress stream) adds its consumers.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consortium.settings")

# Set up Django before anything imports models (consumers will).
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

websocket_routes = []
if settings.DEPLOYMENT_MODE == "portal":
    from consortium.portal.runs.routing import websocket_urlpatterns as run_progress_routes

    websocket_routes += run_progress_routes  # staff's live run progress (session-authenticated)

application = ProtocolTypeRouter({
    "http": django_asgi_app,
    "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_routes))),
})
