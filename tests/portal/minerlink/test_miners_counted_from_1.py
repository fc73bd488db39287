"""People count miners from 1 (Miner 1-3); the contract and the code keep indices 0-2."""

import pytest
from django.urls import reverse
from django.utils import translation

from consortium.portal.minerlink import client as miner_client
from consortium.portal.minerlink import runs as miner_runs
from consortium.portal.runs import failures as run_failures
from consortium.portal.submissions import failures
from tests.portal.factories import open_period

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_it_names_the_first_miner_1_in_a_members_failure_reason():
    assert "Miner 1:" in failures.describe(failures.code(failures.MISSING, 0))


def test_it_names_the_first_miner_1_when_it_refuses_a_run(monkeypatch):
    def refuse(*args, **kwargs):
        raise miner_client.MinerError("HTTP 503")

    monkeypatch.setattr(miner_client, "request_json", refuse)
    with pytest.raises(miner_runs.MinerUnavailable) as refused:
        miner_runs.start(0, {})
    assert (refused.value.miner, refused.value.why) == (0, "HTTP 503")
    reason = run_failures.code(run_failures.NOT_ACCEPTED, refused.value.miner, refused.value.why)
    assert run_failures.describe(reason) == "Miner 1 did not accept the run (HTTP 503)"
    with pytest.raises(miner_runs.MinerUnavailable) as silent:
        miner_runs.status(2, "run")
    assert silent.value.miner == 2


def test_it_counts_a_miners_peers_from_1_on_the_status_page(monkeypatch, client_for, staff_user):
    health = [{"status": "degraded", "peers": {"1": "ok", "2": "unreachable"}, "version": "1"},
              {"status": "down", "error": "timeout"}, {"status": "not_configured", "error": "not configured"}]
    monkeypatch.setattr(miner_client, "health_all", lambda: health)
    period = open_period()
    page = client_for(staff_user).get(reverse("admin:periods_collectionperiod_status", args=[period.pk]))
    text = page.content.decode()
    assert "Miner 2 ok, Miner 3 unreachable" in text
    assert "Miner 1" in text and "Miner 3" in text and "Miner 0" not in text
