"""Anything wrong with a share submission is a clear 4xx (503 when the portal or the store cannot answer)
in JSON, never a 500, and the store is unchanged; no token or share is ever echoed back."""

import json

import pytest
from django.test import override_settings

from .fake_portal import closed_port_url
from .intake_helpers import FIELDS, PERIOD, body_for, post, store_contents

pytestmark = pytest.mark.django_db


def refused(client, body, status, **extra):
    before = store_contents()
    response = post(client, body, **extra)
    assert response.status_code == status, response.content
    answer = response.json()
    assert answer["detail"]
    assert store_contents() == before
    if isinstance(body, dict):
        text = response.content.decode()
        assert body.get("token", "") not in text or not body.get("token")
        shares = [v for v in body.get("values", {}).values() if isinstance(v, str) and len(v) > 3]
        assert not any(share in text for share in shares)
    return answer


@pytest.fixture
def issued(portal):
    return portal.issue(PERIOD, 32, FIELDS)


def test_malformed_json_is_refused(client, issued):
    assert "not valid JSON" in refused(client, b'{"token": ', 400)["detail"]


def test_a_body_that_is_not_declared_json_is_refused(client, portal, issued):
    token, form, _sid = issued
    before = store_contents()
    response = client.post("/api/shares", json.dumps(body_for(token, form)), content_type="text/plain")
    assert response.status_code == 415 and "application/json" in response.json()["detail"]
    assert store_contents() == before and portal.verifies == []


def test_a_body_that_is_not_an_object_is_refused(client):
    refused(client, b"[1, 2]", 400)


def test_an_oversized_body_is_refused_before_it_is_read(client, issued, settings):
    token, form, _sid = issued
    body = body_for(token, form)
    body["values"]["padding"] = "1" * 2000
    with override_settings(MINER_SHARES_MAX_BODY_BYTES=1024):
        assert "1024 bytes" in refused(client, json.dumps(body).encode(), 413)["detail"]


@pytest.mark.parametrize(("change", "where"), [
    (lambda b: b.update(token=b["token"][:-1]), "token"),
    (lambda b: b.update(token=b["token"] + "A"), "token"),
    (lambda b: b.update(period=str(b["period"])), "period"),
    (lambda b: b.update(period=7.0), "period"),
    (lambda b: b.update(form=b["form"].upper()), "form"),
    (lambda b: b.update(extra="x"), "extra"),
    (lambda b: b.pop("submitted"), "submitted"),
    (lambda b: b["values"].update(employees=str(2**64)), "values"),
    (lambda b: b["values"].update(employees="-1"), "values"),
    (lambda b: b["values"].update(employees="1.5"), "values"),
    (lambda b: b["values"].update(employees="007"), "values"),
    (lambda b: b["values"].update(employees=5), "values"),
    (lambda b: b["values"].update(employees=" 5"), "values"),
    (lambda b: b["submitted"].pop("employees"), "submitted"),
    (lambda b: b["values"].update({"bad code!": "1"}), "values"),
], ids=["short-token", "long-token", "period-as-string", "period-as-float", "form-upper-case",
        "unknown-field", "missing-field", "share-of-2^64", "negative-share", "share-not-integer",
        "share-with-leading-zero", "share-as-number", "share-with-space", "flag-missing", "bad-code"])
def test_a_malformed_submission_is_refused_before_the_portal_is_asked(client, portal, issued, change, where):
    token, form, _sid = issued
    body = body_for(token, form)
    change(body)
    answer = refused(client, body, 400)
    assert where in answer["errors"] or "non_field_errors" in answer["errors"]
    assert portal.verifies == []  # the token is still good for a corrected body


def test_a_field_the_period_does_not_have_is_refused(client, issued):
    token, form, _sid = issued
    body = body_for(token, form)
    body["submitted"]["profit_share"] = "1"
    body["values"]["profit_share"] = "1"
    assert "unknown: profit_share" in refused(client, body, 400)["detail"]


def test_a_share_of_2_to_the_32_is_refused_in_a_32_bit_period(client, portal):
    token, form, _sid = portal.issue(PERIOD, 32, FIELDS)
    body = body_for(token, form)
    body["values"]["employees"] = str(2**32)
    assert "below 2^32" in refused(client, body, 400)["detail"]


def test_fields_other_than_the_periods_are_refused(client, portal):
    token, form, _sid = portal.issue(PERIOD, 32, FIELDS + ["profit"])
    body = body_for(token, form)
    assert "missing: profit" in refused(client, body, 400)["detail"]


def test_a_replayed_token_with_other_shares_is_refused(client, portal, issued):
    token, form, _sid = issued
    assert post(client, body_for(token, form)).status_code == 201
    answer = refused(client, body_for(token, form), 409)
    assert answer["reason"] == "used"


def test_a_token_used_elsewhere_at_this_miner_is_refused(client, portal, issued):
    token, form, _sid = issued
    portal.tokens[token]["used"].add(0)  # the portal says "used": this miner stored nothing with it
    assert refused(client, body_for(token, form), 409)["reason"] == "used"


def test_a_forged_token_is_refused(client, issued):
    _token, form, _sid = issued
    answer = refused(client, body_for("A" * 43, form), 403)
    assert answer["reason"] == "unknown"


def test_a_token_of_another_period_is_refused(client, issued):
    token, form, _sid = issued
    assert refused(client, body_for(token, form, period=PERIOD + 1), 403)["reason"] == "wrong_period"


def test_nothing_is_stored_when_the_portal_is_down(client, issued):
    token, form, _sid = issued
    with override_settings(PORTAL_URL=closed_port_url()):
        assert "could not be asked" in refused(client, body_for(token, form), 503)["detail"]


def test_nothing_is_stored_when_the_portal_answers_too_late(client, portal, issued):
    token, form, _sid = issued
    portal.delay = 1.5
    with override_settings(PORTAL_TIMEOUT_SECONDS=0.5):
        refused(client, body_for(token, form), 503)


@pytest.mark.parametrize("batch", [32, 1])
def test_a_store_that_cannot_be_read_is_a_503_and_the_portal_is_not_asked(client, portal, issued, monkeypatch,
                                                                          batch):
    from django.db import OperationalError

    def down(submissions):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("miners.intake.actions.look_up_many", down)
    token, form, _sid = issued
    with override_settings(MINER_TOKEN_BATCH_MAX=batch):
        assert "store could not be read" in refused(client, body_for(token, form), 503)["detail"]
    assert portal.verify_requests == []


def test_a_store_that_cannot_be_read_after_the_portal_said_used_is_a_503(client, portal, issued, monkeypatch):
    from django.db import OperationalError

    from miners.intake import actions

    token, form, _sid = issued
    portal.tokens[token]["used"].add(0)  # "used": the miner looks in its store for a concurrent retry
    real_look_up, calls = actions.look_up_many, []

    def down_the_second_time(submissions):
        calls.append(1)
        if len(calls) > 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real_look_up(submissions)

    monkeypatch.setattr("miners.intake.actions.look_up_many", down_the_second_time)
    assert "store could not be read" in refused(client, body_for(token, form), 503)["detail"]


def test_a_store_that_cannot_be_written_is_a_503(client, issued, monkeypatch):
    from django.db import OperationalError

    def down(*args):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("miners.intake.actions._insert", down)
    token, form, _sid = issued
    assert "could not be written" in refused(client, body_for(token, form), 503)["detail"]


def test_a_portal_that_refuses_this_miners_secret_is_a_503(client, issued):
    token, form, _sid = issued
    with override_settings(PORTAL_SECRET="not-the-secret-the-portal-knows-0123456789"):
        assert "refused this miner" in refused(client, body_for(token, form), 503)["detail"]

