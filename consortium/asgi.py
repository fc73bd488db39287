"""ASGI entry point: `python -m uvicorn consortium.asgi:application`.

Websockets: the portal's live run progress (for signed-in staff, same origin only); a miner's
peer channel at /peer/ws when its runs execute in this process (the embedded default).
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
from django.utils.module_loading import import_string  # noqa: E402

if settings.DEPLOYMENT_MODE == "miner":
    # Only /peer/ws, and only when the runs execute in this process (no broker). A peer is no browser and
    # sends no Origin: the channel's handshake authenticates it, so no origin check or session stack here.
    # Named by dotted path, as INSTALLED_APPS and urls.py name each role's code: this entry point chooses
    # a role and imports neither role's modules.
    websockets = URLRouter(import_string("miners.peering.configured.asgi_routes")())
else:
    from consortium.portal.runs.routing import websocket_urlpatterns as run_progress_routes

    # staff's live run progress: session-authenticated, same origin only
    websockets = AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(run_progress_routes)))

application = ProtocolTypeRouter({"http": django_asgi_app, "websocket": websockets})
