"""The status page shows each miner's doctor summary (GET {miner}/api/doctor with the portal's secret,
through the portal's real client): all checks pass, the problems' and warnings' lines, or no answer."""

import datetime

import pytest
from django.utils import translation

from consortium.portal.minerlink import client as miner_client
from consortium.portal.periods import actions
from tests.portal.factories import miners_setting

pytestmark = pytest.mark.django_db

HEALTHY = {"status": "ok", "peers": {}, "version": "1", "sharing_library_sha256": ""}
DOCTORS = [
    {"status": "ok", "counts": {"ok": 9}, "checks": [{"check": "database", "state": "ok", "line": "fine"}]},
    {"status": "problem", "counts": {"problem": 1, "warning": 1}, "checks": [
        {"check": "database", "state": "ok", "line": "sqlite, every migration applied"},
        {"check": "portal", "state": "problem",
         "line": "the portal refuses this miner's secret: set PORTAL_SECRET"},
        {"check": "TLS certificate", "state": "warning", "line": "expires on 2026-12-20: renew it soon"}]},
    None,  # no answer
]


@pytest.fixture
def page(settings, monkeypatch, client_for, staff_user):
    settings.MINERS = miners_setting()
    asked = []

    def request_json(i, method, path, body=None, *, auth=False, timeout=None):
        asked.append((i, path, auth))
        if path == "/api/health":
            return {**HEALTHY, "miner_index": i}
        assert path == "/api/doctor" and method == "GET"
        if DOCTORS[i] is None:
            raise miner_client.MinerError("timeout")
        return DOCTORS[i]

    monkeypatch.setattr(miner_client, "request_json", request_json)
    draft = actions.do_create_period("2026 H1", "semi_annual", datetime.date(2026, 1, 1),
                                     datetime.date(2026, 6, 30), staff_user)
    period = actions.do_open_period(draft, staff_user)
    with translation.override("en"):
        url = f"/admin/periods/collectionperiod/{period.pk}/status/"
        text = client_for(staff_user).get(url).content.decode()
    assert {(i, "/api/doctor", True) for i in range(3)} <= set(asked)  # with the portal's secret
    return text


def card(text: str, i: int) -> str:
    return text.split(f'id="miner-{i}"', 1)[1].split('id="miner-', 1)[0]


def test_a_healthy_miners_doctor_says_all_checks_pass(page):
    assert "doctor: all checks pass" in card(page, 0)


def test_a_miners_problems_and_warnings_are_listed_with_what_to_do(page):
    miner = card(page, 1)
    assert "doctor: 1 problem" in miner
    assert "portal: the portal refuses this miner&#x27;s secret: set PORTAL_SECRET" in miner
    assert "TLS certificate: expires on 2026-12-20: renew it soon" in miner
    assert "sqlite, every migration applied" not in miner  # what is fine is not repeated


def test_a_miner_that_does_not_answer_is_said_so(page):
    miner = card(page, 2)
    assert "doctor: no answer" in miner and "timeout" in miner
