"""What the retention tests share: three fake miners that answer `POST /api/periods/<id>/purge` as
docs/api.md section 6 writes it (signed with their own keys), and a closed period whose report the board
published."""

from __future__ import annotations

import base64
import re

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.utils import timezone

from consortium.contract import keys
from consortium.contract.messages import deletion_message, deletion_time
from consortium.portal.minerlink import client as miner_client
from consortium.portal.reports.actions import do_create_report, do_publish
from consortium.portal.runs.models import AnalysisRun
from tests.portal.factories import open_period

PURGE = re.compile(r"/api/periods/(\d+)/purge")


class PurgingMiners:
    """Each miner holds `stored[i][period]` submissions until asked to purge; then it answers the same
    receipt every time. `down`: not reachable; `forging`: signs with a key the portal does not know;
    `lying`: signs one count and answers another."""

    def __init__(self, stored: int = 5):
        self.keys = [Ed25519PrivateKey.generate() for _ in range(3)]
        self.stored = [dict() for _ in range(3)]
        self.default = stored
        self.receipts: list[dict] = [{} for _ in range(3)]
        self.down: set[int] = set()
        self.forging: set[int] = set()
        self.lying: set[int] = set()
        self.calls: list[tuple[int, int]] = []

    def settings(self) -> list[dict]:
        return [{"url": f"https://miner{i}.test", "secret": f"secret-of-miner-{i}-0123456789",
                 "public_key": base64.b64encode(k.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
                 .decode()} for i, k in enumerate(self.keys)]

    def request_json(self, i, method, path, body=None, *, auth=False, timeout=None):
        found = PURGE.fullmatch(path)
        if found is None:
            raise miner_client.MinerError("unreachable")  # health and anything else: not this test's
        assert method == "POST" and auth
        if i in self.down:
            raise miner_client.MinerError("connection refused")
        period = int(found.group(1))
        self.calls.append((i, period))
        if period not in self.receipts[i]:
            count = self.stored[i].pop(period, self.default)
            at = deletion_time(timezone.now())
            key = Ed25519PrivateKey.generate() if i in self.forging else self.keys[i]
            signature = keys.sign(key, deletion_message(i, period, count, at))
            answered = count + 1 if i in self.lying else count
            self.receipts[i][period] = {"miner": i, "period": period, "submissions": answered,
                                        "deleted_at": at, "signature": signature}
        return dict(self.receipts[i][period])

    def forget(self, i: int, period: int) -> None:
        """The miner answers afresh next time (after it was fixed)."""
        self.receipts[i].pop(period, None)


@pytest.fixture
def miners(monkeypatch, settings):
    fake = PurgingMiners()
    settings.MINERS = fake.settings()
    monkeypatch.setattr(miner_client, "request_json", fake.request_json)
    from consortium import celery_app

    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    return fake


def published_period(board_user, name="2025 H1"):
    """A closed period with a finished run whose report `board_user` has just published."""
    period = open_period(name)
    period.state, period.closed_at = "closed", timezone.now()
    period.save()
    run = AnalysisRun.objects.create(period=period, state="done", results={"ring": 32, "indicators": {}},
                                     request={"period": period.pk, "analyses": []})
    do_publish(do_create_report(run), board_user)
    return period


@pytest.fixture
def period(board_user):
    return published_period(board_user)
