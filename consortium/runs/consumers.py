"""The progress page's websocket: `ws/runs/<run_id>/` pushes the run's status as it changes.

Staff only (the session's user, via AuthMiddlewareStack). On connect it sends the current
status, then one message per update the actions push to the run's group (`live.notify`).
"""

from types import SimpleNamespace

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from consortium.accounts.middleware import pending_step

from . import actions, live
from .models import AnalysisRun

CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


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
        await self.send_json(event["status"])

    @database_sync_to_async
    def _allowed(self) -> bool:
        """Staff who passed every login step (second factor included), as for the pages."""
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_consortium_staff:
            return False
        persistent_id = self.scope["session"].get(DEVICE_ID_SESSION_KEY)
        device = Device.from_persistent_id(persistent_id) if persistent_id else None
        verified = device is not None and device.user_id == user.pk
        user.is_verified = lambda: verified  # what django_otp's middleware does for a request
        return pending_step(SimpleNamespace(user=user)) is None

    @database_sync_to_async
    def _status(self, run_id):
        run = AnalysisRun.objects.filter(run_id=run_id).first()
        return live.run_status(actions.fail_if_overdue(run)) if run is not None else None
