"""The progress page's websocket: `ws/runs/<run_id>/` pushes the run's status as it changes.

Staff only (the session's user, via AuthMiddlewareStack), within the same session limits as HTTP
(SESSION_IDLE_SECONDS since the last request, SESSION_ABSOLUTE_SECONDS since login: the timestamps
SessionLimitsMiddleware keeps). On connect it sends the current status, then one message per update the
actions push to the run's group (`live.notify`). Before each update it reads the session again, and
closes the socket once the user has logged out or the session has expired.

A connection does not count as activity: the page reconnects on its own, and that must not keep an
idle session alive.
"""

import time
from importlib import import_module
from types import SimpleNamespace

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from consortium.portal.accounts.middleware import pending_step, session_expired

from . import live, tasks
from .models import AnalysisRun

CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


def session_is_fresh(session) -> bool:
    """SessionLimitsMiddleware's test, without its side effects: not idle, not past its absolute limit."""
    return not session_expired(session, time.time())


class RunProgressConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        if not await self._allowed():
            await self.close(code=CLOSE_FORBIDDEN)
            return
        status = await self._status(self.scope["url_route"]["kwargs"]["run_id"])
        if status is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.group = live.group_name(status["run_id"])
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json(status)

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        """The page only listens; anything it sends is ignored."""

    async def run_update(self, event):
        if not await self._session_alive():
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.send_json(event["status"])

    @database_sync_to_async
    def _allowed(self) -> bool:
        """Staff who passed every login step (second factor included), as for the pages."""
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_consortium_staff:
            return False
        if not session_is_fresh(self.scope["session"]):
            return False  # over HTTP this session would be logged out
        persistent_id = self.scope["session"].get(DEVICE_ID_SESSION_KEY)
        device = Device.from_persistent_id(persistent_id) if persistent_id else None
        verified = device is not None and device.user_id == user.pk
        user.is_verified = lambda: verified  # what django_otp's middleware does for a request
        return pending_step(SimpleNamespace(user=user)) is None

    @database_sync_to_async
    def _session_alive(self) -> bool:
        """The session as stored now (HTTP requests move its clock; a log-out deletes it) is still this
        user's and fresh."""
        key = self.scope["session"].session_key
        stored = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key) if key else {}
        return stored.get(SESSION_KEY) == str(self.scope["user"].pk) and session_is_fresh(stored)

    @database_sync_to_async
    def _status(self, run_id):
        run = AnalysisRun.objects.filter(run_id=run_id).first()
        return live.run_status(tasks.refresh_if_overdue(run)) if run is not None else None
