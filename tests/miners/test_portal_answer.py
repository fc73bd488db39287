"""The portal's answer to a token check is trusted only when it is exactly what docs/api.md section 1
writes; anything else is a 502 for the member and stores nothing."""

import uuid

import pytest

from miners.intake.serializers import verified_answer

from .intake_helpers import FIELDS, PERIOD, body_for, post, store_contents

GOOD = {"valid": True, "submission_id": str(uuid.uuid4()), "period": 7, "ring": 32, "fields": ["a", "b-c_1"]}


def test_a_good_answer_is_taken_as_it_is():
    assert verified_answer(GOOD) == {k: v for k, v in GOOD.items() if k != "valid"}
    assert verified_answer({**GOOD, "ring": 64, "fields": []})["ring"] == 64


@pytest.mark.parametrize("change", [
    {"valid": 1}, {"valid": "true"},
    {"submission_id": None}, {"submission_id": str(uuid.uuid4()).upper()},
    {"submission_id": uuid.uuid4().hex}, {"submission_id": str(uuid.uuid4()) + "\n"},
    {"period": True}, {"period": "7"}, {"period": 7.0}, {"period": 0}, {"period": 2**63},
    {"ring": "32"}, {"ring": 32.0}, {"ring": 16}, {"ring": True},
    {"fields": "a"}, {"fields": [1]}, {"fields": ["a b"]}, {"fields": ["a\n"]}, {"fields": ["x" * 41]},
    {"fields": ["a"] * 1001},
])
def test_anything_else_is_not_understood(change):
    assert verified_answer({**GOOD, **change}) is None


def test_a_missing_key_is_not_understood():
    for key in GOOD:
        assert verified_answer({k: v for k, v in GOOD.items() if k != key}) is None


@pytest.mark.django_db
def test_a_malformed_answer_is_a_502_and_stores_nothing(client, portal, monkeypatch):
    token, form, _sid = portal.issue(PERIOD, 32, FIELDS)
    answer = portal.verify
    monkeypatch.setattr(portal, "verify", lambda miner, body: {**answer(miner, body), "ring": "32"})
    before = store_contents()
    response = post(client, body_for(token, form))
    assert response.status_code == 502
    assert "not understood" in response.json()["detail"]
    assert store_contents() == before


@pytest.mark.django_db
def test_an_answer_for_another_period_is_a_502(client, portal, monkeypatch):
    token, form, _sid = portal.issue(PERIOD, 32, FIELDS)
    answer = portal.verify
    monkeypatch.setattr(portal, "verify", lambda miner, body: {**answer(miner, body), "period": PERIOD + 1})
    assert post(client, body_for(token, form)).status_code == 502
