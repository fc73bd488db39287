"""POST /api/periods/<id>/purge (docs/api.md section 6): the portal deletes a period's shares at this miner
and gets a signed receipt; the period then takes no more shares and no more runs."""

import datetime
import uuid

import pytest
from django.utils import timezone

from consortium.contract import keys
from consortium.contract.messages import deletion_message
from miners.store.models import PeriodPurge, Run, Share, Submission

from .intake_helpers import FIELDS, PERIOD, body_for, post
from .test_runs_api import run_request

pytestmark = pytest.mark.django_db

OTHER = PERIOD + 1


def submit(client, portal, period=PERIOD) -> str:
    token, form, sid = portal.issue(period, 32, FIELDS)
    assert post(client, body_for(token, form, period=period)).status_code == 201
    return sid


def purge(client, secret, period=PERIOD):
    headers = {} if secret is None else {"HTTP_AUTHORIZATION": f"Portal {secret}"}
    return client.post(f"/api/periods/{period}/purge", **headers)


def rows_of(period) -> tuple[int, int]:
    return (Submission.objects.filter(period=period).count(),
            Share.objects.filter(submission__period=period).count())


@pytest.fixture
def stored(client, portal):
    """Two submissions of PERIOD and one of another period."""
    return [submit(client, portal), submit(client, portal)], submit(client, portal, OTHER)


def test_it_deletes_every_share_of_the_period_and_signs_a_receipt(client, portal_secrets, miner_keys, stored):
    assert rows_of(PERIOD) == (2, 2 * len(FIELDS))
    response = purge(client, portal_secrets[0])
    assert response.status_code == 200, response.content
    receipt = response.json()
    assert {k: receipt[k] for k in ("miner", "period", "submissions")} == {
        "miner": 0, "period": PERIOD, "submissions": 2}
    assert rows_of(PERIOD) == (0, 0)
    assert rows_of(OTHER) == (1, len(FIELDS))  # another period is untouched
    message = deletion_message(0, PERIOD, 2, receipt["deleted_at"])
    assert message.startswith(b"consortium-mpc deletion v1\n0\n7\n2\n")
    assert keys.signature_is_valid(miner_keys[0].public_key(), message, receipt["signature"])
    assert not keys.signature_is_valid(miner_keys[1].public_key(), message, receipt["signature"])
    at = datetime.datetime.strptime(receipt["deleted_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)
    assert abs(timezone.now() - at) < datetime.timedelta(minutes=1)


def alone(period: int) -> dict:
    """A run request of `period` whose analyses read no other period (no time series)."""
    request = run_request(period=period)
    request["analyses"] = [a for a in request["analyses"] if a["kind"] != "time_series"]
    return request


def test_the_output_shares_of_the_periods_runs_go_too(client, portal_secrets, stored):
    runs = {p: Run.objects.create(run_id=uuid.uuid4(), request=alone(p), request_digest="d",
                                  state="done", outputs={"miner": 0, "outputs": [], "digest": "x"})
            for p in (PERIOD, OTHER)}
    purge(client, portal_secrets[0])
    kept = {p: Run.objects.get(pk=run.pk) for p, run in runs.items()}
    assert kept[PERIOD].outputs is None and kept[PERIOD].state == "done"  # the record stays, not its shares
    assert kept[OTHER].outputs == {"miner": 0, "outputs": [], "digest": "x"}


def test_the_outputs_of_a_later_runs_time_series_that_read_the_period_go_too(client, portal_secrets, stored):
    outputs = {"miner": 0, "outputs": [], "digest": "x"}
    later, unrelated = 99, 98
    series = {"kind": "time_series", "indicator": "employees", "lo": 0, "hi": 9, "periods": [PERIOD, later],
              "rows": []}
    reading = alone(later)
    reading["analyses"] = [*reading["analyses"], series]
    runs = {name: Run.objects.create(run_id=uuid.uuid4(), request=request, request_digest="d", state="done",
                                     outputs=outputs)
            for name, request in (("reading", reading), ("unrelated", alone(unrelated)))}
    purge(client, portal_secrets[0])
    assert Run.objects.get(pk=runs["reading"].pk).outputs is None  # it holds the period's series
    assert Run.objects.get(pk=runs["unrelated"].pk).outputs == outputs


def test_a_second_purge_answers_the_same_receipt(client, portal_secrets, stored, monkeypatch):
    first = purge(client, portal_secrets[0]).json()
    later = timezone.now() + datetime.timedelta(days=3)
    monkeypatch.setattr(timezone, "now", lambda: later)
    again = purge(client, portal_secrets[0])
    assert again.status_code == 200 and again.json() == first
    assert PeriodPurge.objects.count() == 1


def test_a_period_with_nothing_stored_is_purged_with_a_count_of_zero(client, portal_secrets, miner_keys):
    receipt = purge(client, portal_secrets[0], 42).json()
    assert receipt["submissions"] == 0 and receipt["period"] == 42
    message = deletion_message(0, 42, 0, receipt["deleted_at"])
    assert keys.signature_is_valid(miner_keys[0].public_key(), message, receipt["signature"])


@pytest.mark.parametrize("header", [None, "wrong-secret-0123456789", "other-miner"])
def test_only_the_portal_may_purge(client, portal_secrets, stored, header):
    secret = portal_secrets[1] if header == "other-miner" else header
    response = purge(client, secret)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Portal"
    assert rows_of(PERIOD) == (2, 2 * len(FIELDS)) and not PeriodPurge.objects.exists()


def test_a_period_id_out_of_range_is_a_clear_400(client, portal_secrets):
    assert purge(client, portal_secrets[0], 0).status_code == 400
    assert purge(client, portal_secrets[0], 2**63).json() == {"detail": "No such period."}
    not_a_number = client.post("/api/periods/x/purge", HTTP_AUTHORIZATION=f"Portal {portal_secrets[0]}")
    assert not_a_number.status_code == 404


def test_without_an_identity_key_nothing_is_deleted(client, portal_secrets, stored, settings):
    settings.MINER_IDENTITY_KEY = None
    response = purge(client, portal_secrets[0])
    assert response.status_code == 503 and "nothing was deleted" in response.json()["detail"]
    assert rows_of(PERIOD) == (2, 2 * len(FIELDS))


def test_a_purged_period_takes_no_more_shares(client, portal, portal_secrets, stored):
    purge(client, portal_secrets[0])
    token, form, _sid = portal.issue(PERIOD, 32, FIELDS)
    checks = len(portal.verifies)
    response = post(client, body_for(token, form))
    assert response.status_code == 410
    assert response.json()["detail"].startswith(f"The shares of period {PERIOD} were deleted on ")
    assert len(portal.verifies) == checks  # refused before the token was used
    assert rows_of(PERIOD) == (0, 0)
    token, form, _sid = portal.issue(OTHER, 32, FIELDS)
    assert post(client, body_for(token, form, period=OTHER)).status_code == 201


def test_a_run_reading_a_purged_period_is_refused(client, portal_secrets, stored, monkeypatch):
    from miners.runs import tasks

    monkeypatch.setattr(tasks, "dispatch", lambda run_id: None)
    purge(client, portal_secrets[0])
    today = timezone.now().date().isoformat()

    def start(body):
        return client.post("/api/runs", body, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Portal {portal_secrets[0]}")

    refused = start(run_request(period=PERIOD))
    assert refused.status_code == 410
    assert refused.json()["detail"] == (
        f"The shares of period {PERIOD} were deleted on {today} (retention, after its report was published): "
        "they can no longer be submitted or analysed.")
    # a later period whose time series reads the purged one
    series = run_request(period=9)
    assert series["analyses"][-1]["periods"] == [5, 6, 7]
    assert start(series).status_code == 410
    without = run_request(period=9, analyses=series["analyses"][:1])
    assert start(without).status_code == 202
    assert list(Run.objects.values_list("run_id", flat=True)) == [uuid.UUID(without["run_id"])]


def test_a_receipt_asked_again_after_a_key_rotation_is_signed_with_the_new_key(client, portal_secrets, stored,
                                                                                settings):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from miners.identity.keys import encode_private_key

    first = purge(client, portal_secrets[0]).json()
    new = Ed25519PrivateKey.generate()
    settings.MINER_IDENTITY_KEY = encode_private_key(new)  # rotated since (its file, in production)
    again = purge(client, portal_secrets[0]).json()
    assert {k: v for k, v in again.items() if k != "signature"} == {
        k: v for k, v in first.items() if k != "signature"}
    message = deletion_message(0, PERIOD, first["submissions"], first["deleted_at"])
    assert keys.signature_is_valid(new.public_key(), message, again["signature"])
