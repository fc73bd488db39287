"""POST /api/shares (docs/api.md section 2): shares stored under the portal's submission id, answered with a
receipt that the portal's own check (the contract) accepts; the browser's retry gets the same receipt."""

import json

import pytest
from django.test import override_settings

from consortium.contract import keys
from consortium.contract.figures import share_bodies
from consortium.contract.messages import receipt_message, shares_digest
from miners.store.models import Share, Submission, share_int

from .conftest import miner_settings
from .harness import ALIASES, miner_database
from .intake_helpers import FIELDS, PERIOD, body_for, post

pytestmark = pytest.mark.django_db


def test_it_stores_the_shares_and_answers_a_signed_receipt(client, portal, miner_keys):
    token, form, sid = portal.issue(PERIOD, 32, FIELDS)
    body = body_for(token, form)
    response = post(client, body)
    assert response.status_code == 201, response.content
    receipt = response.json()
    assert receipt == {"miner": 0, "period": PERIOD, "submission_id": sid,
                       "digest": shares_digest(body["values"], body["submitted"]),
                       "signature": receipt["signature"]}
    stored = Submission.objects.get(submission_id=sid)
    assert {s.code: (share_int(s.value), share_int(s.flag)) for s in stored.shares.all()} == {
        c: (int(body["values"][c]), int(body["submitted"][c])) for c in FIELDS}
    assert portal.verifies == [(0, token)]


def test_the_receipt_verifies_with_the_portals_check(client, portal, miner_keys):
    token, form, sid = portal.issue(PERIOD, 32, FIELDS)
    receipt = post(client, body_for(token, form)).json()
    public = keys.public_key(keys.encode_public_key(miner_keys[0]))  # as the portal reads MINER_0_PUBLIC_KEY
    message = receipt_message(0, PERIOD, sid, receipt["digest"])
    assert keys.signature_is_valid(public, message, receipt["signature"])
    other = keys.public_key(keys.encode_public_key(miner_keys[1]))
    assert not keys.signature_is_valid(other, message, receipt["signature"])


def test_the_same_body_again_gets_the_same_receipt_without_asking_the_portal(client, portal):
    token, form, _sid = portal.issue(PERIOD, 32, FIELDS)
    body = body_for(token, form)
    first = post(client, body)
    again = post(client, json.dumps(body, indent=2))  # the same JSON, however it is spaced
    assert again.status_code == 201 and again.json() == first.json()
    assert len(portal.verifies) == 1  # the portal would have answered "used"
    assert Submission.objects.count() == 1 and Share.objects.count() == len(FIELDS)


def test_a_64_bit_period_takes_shares_up_to_2_to_the_64(client, portal):
    token, form, _sid = portal.issue(PERIOD, 64, FIELDS)
    body = body_for(token, form, ring=64)
    body["values"]["employees"] = str(2**64 - 1)
    assert post(client, body).status_code == 201


def test_the_portals_origin_may_post_and_no_other(client, portal):
    preflight = {"HTTP_ORIGIN": portal.url, "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST",
                 "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "content-type"}
    allowed = client.options("/api/shares", **preflight)
    assert allowed["Access-Control-Allow-Origin"] == portal.url
    refused = client.options("/api/shares", **{**preflight, "HTTP_ORIGIN": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in refused
    not_for_runs = client.options("/api/runs", **preflight)
    assert "Access-Control-Allow-Origin" not in not_for_runs


@pytest.mark.django_db(databases=ALIASES)
def test_the_browsers_bodies_are_stored_by_each_miner(client, portal, miner_keys, portal_secrets):
    """The three bodies of the browser's library (its Python twin, consortium.contract.figures) are each
    accepted by their miner, and the shares stored at the three add up to the member's figures."""
    token, form, sid = portal.issue(PERIOD, 32, FIELDS)
    fields = [{"code": c, "scale": 1 if c == "export_share" else 0} for c in FIELDS]
    figures = {"total_return": "1200000", "employees": "42", "export_share": "12.5", "added_value": "-300"}
    bodies = share_bodies(token, PERIOD, form, fields, {**figures, "export_share": None}, 32)
    for i, body in enumerate(bodies):
        as_miner_i = miner_settings(i, miner_keys, portal_secrets, portal.url)
        with override_settings(**as_miner_i), miner_database(i):  # its own database (tests/miners/harness.py)
            response = post(client, body)
        assert response.status_code == 201 and response.json()["miner"] == i
        assert response.json()["submission_id"] == sid
    assert [m for m, _t in portal.verifies] == [0, 1, 2]
    total = sum(int(b["values"]["employees"]) for b in bodies) % 2**32
    assert total == 42 and sum(int(b["submitted"]["export_share"]) for b in bodies) % 2**32 == 0


@pytest.mark.django_db(transaction=True)
def test_the_same_body_twice_at_once_gets_one_receipt_twice(portal, monkeypatch):
    """A double click, or a retry that overtakes its original: the portal answers the second check "used"
    while the first is still storing; the second waits for that store and answers its receipt."""
    import threading
    import time

    from django.db import connections
    from django.test import Client

    from miners.intake import actions

    real_store = actions.do_store

    def slow_store(*args, **kwargs):
        time.sleep(0.4)  # the second request reaches the portal meanwhile
        return real_store(*args, **kwargs)

    monkeypatch.setattr(actions, "do_store", slow_store)
    token, form, sid = portal.issue(PERIOD, 32, FIELDS)
    body, answers = body_for(token, form), [None, None]

    def send(k):
        time.sleep(0.15 * k)
        try:
            answers[k] = post(Client(), body)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(k,)) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [a.status_code for a in answers] == [201, 201], [a.content for a in answers]
    assert answers[0].json() == answers[1].json() and answers[0].json()["submission_id"] == sid
    assert len(portal.verifies) == 2  # the second did reach the portal, and was told "used"
    assert Submission.objects.count() == 1
