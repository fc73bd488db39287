"""POST /api/runs and GET /api/runs/<id> (docs/api.md section 4): the portal only, with its secret."""

import uuid

import pytest

from miners.runs import tasks
from miners.store.models import Run

pytestmark = pytest.mark.django_db


def run_request(run_id=None, **change):
    sid = [str(uuid.uuid4()) for _ in range(3)]
    return {"run_id": run_id or str(uuid.uuid4()), "period": 7, "ring": 32, "columns": sid,
            "analyses": [
                {"kind": "sorted_indicator", "indicator": "employees", "lo": 0, "hi": 9, "descending": False},
                {"kind": "ratio", "name": "added_value_per_employee", "numerator": "added_value",
                 "denominator": "employees", "num_lo": -100, "num_hi": 100, "den_lo": 0, "den_hi": 9,
                 "frac_bits": 0},
                {"kind": "time_series", "indicator": "employees", "lo": 0, "hi": 9, "periods": [5, 6, 7],
                 "rows": [[sid[0], None, sid[2]], [None, sid[1], sid[2]], sid]}],
            "portal_url": "https://portal.example/", **change}


@pytest.fixture
def dispatched(monkeypatch):
    started = []
    monkeypatch.setattr(tasks, "dispatch", started.append)
    return started


@pytest.fixture
def start(django_capture_on_commit_callbacks):
    """POST /api/runs, with what it left for after the commit run then, as a worker would see it."""

    def post(client, body, secret):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/api/runs", body, content_type="application/json",
                               HTTP_AUTHORIZATION=f"Portal {secret}")

    return post


def test_the_portal_starts_a_run(client, portal_secrets, dispatched, start):
    body = run_request()
    response = start(client, body, portal_secrets[0])
    assert response.status_code == 202 and response.json() == {"accepted": True}
    assert dispatched == [body["run_id"]]
    assert Run.objects.get(run_id=body["run_id"]).state == "queued"


def test_the_same_request_again_is_accepted_once(client, portal_secrets, dispatched, start):
    body = run_request()
    start(client, body, portal_secrets[0])
    assert start(client, body, portal_secrets[0]).status_code == 202
    assert len(dispatched) == 1 and Run.objects.count() == 1


def test_a_known_run_id_with_other_parameters_is_a_conflict(client, portal_secrets, dispatched, start):
    body = run_request()
    start(client, body, portal_secrets[0])
    assert start(client, {**body, "ring": 64}, portal_secrets[0]).status_code == 409
    assert Run.objects.get().request["ring"] == 32 and len(dispatched) == 1


@pytest.mark.parametrize("header", [None, "Portal wrong-secret-0123456789", "Portal", "Bearer x",
                                    "Miner 0 {secret}", "Portal\u00a0{secret}", "Portal  {secret}"])
def test_a_wrong_or_missing_portal_secret_is_refused(client, portal_secrets, dispatched, start, header):
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header.format(secret=portal_secrets[0])}
    body = run_request()
    assert client.post("/api/runs", body, content_type="application/json", **extra).status_code == 401
    assert client.get(f"/api/runs/{body['run_id']}", **extra).status_code == 401
    assert not Run.objects.exists() and dispatched == []


def test_another_miners_secret_is_refused(client, portal_secrets, dispatched, start):
    assert start(client, run_request(), portal_secrets[1]).status_code == 401


@pytest.mark.parametrize("change", [
    {"ring": 16}, {"period": "7"}, {"columns": ["not-a-uuid"]}, {"extra": 1},
    {"analyses": [{"kind": "median", "indicator": "employees"}]},
    {"analyses": [{"kind": "sorted_indicator", "indicator": "employees", "lo": 9, "hi": 0}]},
    {"analyses": [{"kind": "sorted_indicator", "indicator": "employees", "lo": 0, "hi": 2**40}]},
    {"analyses": [{"kind": "time_series", "indicator": "e", "lo": 0, "hi": 9, "periods": [1],
                   "rows": [[None]]}]},
], ids=["ring", "period-string", "column", "unknown-key", "kind", "empty-range", "beyond-ring", "row-length"])
def test_a_malformed_run_request_is_refused(client, portal_secrets, dispatched, start, change):
    response = start(client, run_request(**change), portal_secrets[0])
    assert response.status_code == 400, response.content
    assert not Run.objects.exists() and dispatched == []


def test_the_portal_reads_a_runs_progress(client, portal_secrets, dispatched, start):
    body = run_request()
    start(client, body, portal_secrets[0])
    response = client.get(f"/api/runs/{body['run_id']}", HTTP_AUTHORIZATION=f"Portal {portal_secrets[0]}")
    assert response.status_code == 200
    assert response.json() == {"state": "queued", "progress": 0.0, "step": "", "error": ""}


def test_an_unknown_run_is_404(client, portal_secrets):
    response = client.get(f"/api/runs/{uuid.uuid4()}", HTTP_AUTHORIZATION=f"Portal {portal_secrets[0]}")
    assert response.status_code == 404


def test_a_run_request_over_the_size_limit_is_413_and_starts_nothing(client, portal_secrets, dispatched,
                                                                     start, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = settings.MINER_RUN_MAX_BODY_BYTES = 64 * 1024
    body = run_request(columns=[str(uuid.uuid4()) for _ in range(3000)])  # ~110 KB
    response = start(client, body, portal_secrets[0])
    assert response.status_code == 413, response.content
    assert dispatched == [] and Run.objects.count() == 0
