"""A miner's `GET /metrics`: behind its bearer token; intakes counted as accepted or refused by the reason
of docs/api.md section 2; runs by state from the database; a failed run's duration; each handshake's
round trip to a peer; and the values of several processes added up (PROMETHEUS_MULTIPROC_DIR)."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.test import override_settings

from miners.metrics import TOKEN_REASONS
from miners.portal import Portal
from miners.runs import actions, peers, worker
from miners.store.models import Run
from tests.metrics_scrape import TOKEN, scrape, value

from .fake_portal import closed_port_url
from .intake_helpers import FIELDS, PERIOD, body_for, post

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
ACCEPTED = "consortium_miner_intakes_accepted_total"
REFUSED = "consortium_miner_intakes_refused_total"


@pytest.fixture(autouse=True)
def metrics_token(as_miner):
    with override_settings(METRICS_TOKEN=TOKEN):
        yield


def test_metrics_answer_only_the_token(client):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics").headers["WWW-Authenticate"].startswith("Bearer")
    for header in (f"Bearer {TOKEN[:-1]}", f"Bearer {TOKEN}x", f"Basic {TOKEN}", f"Bearer  {TOKEN}",
                   f"bearer {TOKEN}", TOKEN):
        assert client.get("/metrics", HTTP_AUTHORIZATION=header).status_code == 401, header
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    assert "consortium_miner_runs" in response.content.decode()
    assert client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405
    assert client.post("/metrics").status_code == 401


def test_without_a_token_setting_there_is_no_metrics_endpoint(client):
    with override_settings(METRICS_TOKEN=None):
        assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404
        assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404
        assert client.post("/metrics").status_code == 404


def test_an_accepted_intake_counts_as_accepted(client, portal):
    token, form, _sid = portal.issue(PERIOD, 32, FIELDS)
    before = scrape(client)
    assert post(client, body_for(token, form)).status_code == 201
    after = scrape(client)
    assert value(after, ACCEPTED) == value(before, ACCEPTED) + 1
    assert sum(v for (n, _), v in after.items() if n == REFUSED) == sum(
        v for (n, _), v in before.items() if n == REFUSED)


def refused_by(client, reason, send) -> None:
    before = scrape(client)
    response = send()
    assert response.status_code >= 400, response.content
    after = scrape(client)
    assert value(after, REFUSED, reason=reason) == value(before, REFUSED, reason=reason) + 1, response.content
    assert value(after, ACCEPTED) == value(before, ACCEPTED)


@pytest.mark.parametrize("reason", sorted(TOKEN_REASONS))
def test_each_refusal_of_the_portal_counts_by_its_reason(client, portal, monkeypatch, reason):
    token, form, _sid = portal.issue(PERIOD, 32, FIELDS)
    monkeypatch.setattr(portal, "verify", lambda miner, body: {"valid": False, "reason": reason})
    refused_by(client, reason, lambda: post(client, body_for(token, form)))


def test_the_miners_own_refusals_count_by_their_reason(client, portal):
    token, form, _sid = portal.issue(PERIOD, 32, FIELDS)
    refused_by(client, "malformed", lambda: post(client, b'{"token": '))
    refused_by(client, "not_json", lambda: client.post("/api/shares", "{}", content_type="text/plain"))
    with override_settings(MINER_SHARES_MAX_BODY_BYTES=1024):
        refused_by(client, "too_large", lambda: post(client, json.dumps({"pad": "1" * 2000})))
    with override_settings(PORTAL_URL=closed_port_url()):
        refused_by(client, "unavailable", lambda: post(client, body_for(token, form)))


def test_an_answer_of_the_portal_outside_the_contract_counts_as_such(client, portal, monkeypatch):
    token, form, _sid = portal.issue(PERIOD, 32, FIELDS)
    monkeypatch.setattr(portal, "verify", lambda miner, body: {"valid": False, "reason": "<b>" + token})
    refused_by(client, "portal_not_understood", lambda: post(client, body_for(token, form)))
    assert token not in str(scrape(client))


def test_runs_by_state_are_read_from_the_database(client):
    before = scrape(client)
    for state in ("queued", "running", "running", "failed"):
        Run.objects.create(run_id=uuid.uuid4(), request={}, request_digest="0" * 64, state=state)
    after = scrape(client)
    for state, more in {"queued": 1, "running": 2, "done": 0, "failed": 1}.items():
        assert value(after, "consortium_miner_runs", state=state) == value(
            before, "consortium_miner_runs", state=state) + more


def test_a_failed_run_counts_with_its_duration(client, portal, portal_secrets, miner_keys):
    request = {"run_id": str(uuid.uuid4()), "period": 7, "ring": 32, "columns": [], "portal_url": "",
               "analyses": [{"kind": "sorted_indicator", "indicator": "employees", "lo": 0, "hi": 9,
                             "descending": False}]}
    actions.do_accept_run(request)
    name = "consortium_miner_run_duration_seconds_count"
    before = value(scrape(client), name, outcome="failed")
    miner = worker.Miner(0, miner_keys[0], Portal(portal.url, 0, portal_secrets[0], 5), peers.no_peer_channel)
    worker.execute(request["run_id"], miner)
    assert value(scrape(client), name, outcome="failed") == before + 1


def test_several_processes_are_added_up(client, tmp_path, monkeypatch):
    """Two processes (a web worker and the Celery worker, say) count into one directory; /metrics adds
    them up."""
    program = ("import sys; from miners import metrics\n"
               "for _ in range(int(sys.argv[1])): metrics.INTAKES_ACCEPTED.inc()\n"
               "metrics.run_finished('done', float(sys.argv[1]))\n"
               "metrics.peer_round_trip(1, 0.002)\n")
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    for count in ("3", "4"):
        subprocess.run([sys.executable, "-c", program, count], env=env, check=True, timeout=60, cwd=ROOT)
    assert len(list(tmp_path.glob("*.db"))) >= 2  # one file per process and kind
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    found = scrape(client)
    assert value(found, ACCEPTED) == 7
    assert value(found, "consortium_miner_run_duration_seconds_count", outcome="done") == 2
    assert value(found, "consortium_miner_run_duration_seconds_sum", outcome="done") == 7.0
    assert value(found, "consortium_miner_peer_round_trip_seconds_count", peer="1") == 2
    assert "consortium_miner_runs" in {name for name, _ in found}  # the database is read all the same


@pytest.mark.parametrize(("status", "body", "label"), [
    (201, {"miner": 0}, None), (400, {"detail": "x", "errors": {}}, "malformed"),
    (403, {"reason": "expired"}, "expired"), (409, {"reason": "used"}, "used"),
    (410, {"detail": "The shares of period 7 were deleted"}, "period_deleted"),
    (403, {"reason": "a reason outside the contract"}, "refused"), (418, None, "other")])
def test_every_answer_has_a_label_from_a_fixed_set(status, body, label):
    from miners.metrics import intake_reason

    assert intake_reason(status, body) == label


def test_a_plain_json_answer_is_counted_by_its_reason_too():
    from django.http import JsonResponse
    from prometheus_client import REGISTRY

    from miners.metrics import count_intake

    answer = JsonResponse({"detail": "x", "reason": "expired"}, status=403)
    counted = count_intake(lambda view, request: answer)

    def expired():
        return REGISTRY.get_sample_value(REFUSED, {"reason": "expired"}) or 0.0

    before = expired()
    counted(None, None)
    assert expired() == before + 1
