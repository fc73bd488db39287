"""The miners' credential on POST /api/miner/tokens/verify: `Authorization: Miner <i> <secret_i>`."""

import pytest
from django.test import Client, override_settings

from consortium.portal.submissions.models import AccessToken
from tests.portal.factories import miners_setting

SECRETS = ["s0-" + "x" * 40, "s1-" + "y" * 40, "s2-" + "z" * 40]
VERIFY = "/api/miner/tokens/verify"


@pytest.fixture(autouse=True)
def miners(settings):
    settings.MINERS = miners_setting(urls=False, secrets=SECRETS)


@pytest.fixture
def issued(issued):
    """The verification request's body for the conftest's token, and its access token."""
    token, access, _submission = issued
    return {"token": token, "period": access.period_id, "form": str(access.form_id)}, access


def post(body, authorization=None):
    extra = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    return Client().post(VERIFY, body, content_type="application/json", **extra)


def assert_refused(response, access):
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Miner"
    access.refresh_from_db()
    assert not any(access.used_by(i) for i in range(3))


def test_it_refuses_a_request_without_credentials(issued):
    body, access = issued
    assert_refused(post(body), access)


def test_it_refuses_a_wrong_secret(issued):
    body, access = issued
    assert_refused(post(body, f"Miner 0 {SECRETS[0]}x"), access)
    assert_refused(post(body, "Miner 0 "), access)


def test_a_secret_of_miner_1_never_authenticates_miner_2(issued):
    body, access = issued
    assert_refused(post(body, f"Miner 2 {SECRETS[1]}"), access)


def test_it_refuses_an_unknown_index_or_scheme(issued):
    body, access = issued
    for header in (f"Miner 3 {SECRETS[0]}", f"Miner -1 {SECRETS[0]}", f"Bearer {SECRETS[0]}",
                   f"Miner 0 {SECRETS[0]} extra", f"miner 0 {SECRETS[0]}"):
        assert_refused(post(body, header), access)


def test_a_miner_without_a_configured_secret_cannot_authenticate(issued):
    body, access = issued
    with override_settings(MINERS=[{"url": "", "secret": None, "public_key": ""}] * 3):
        assert_refused(post(body, "Miner 0 "), access)
        assert_refused(post(body, "Miner 0 None"), access)


def test_it_accepts_each_miner_with_its_own_secret(issued):
    body, access = issued
    for i in range(3):
        assert post(body, f"Miner {i} {SECRETS[i]}").json()["valid"] is True
    access.refresh_from_db()
    assert all(access.used_by(i) for i in range(3))


@pytest.mark.parametrize("change", [
    {"token": "short"}, {"token": "!" * 43}, {"period": 0}, {"period": "one"}, {"form": "not-a-uuid"},
    {"token": None},
])
def test_it_rejects_a_malformed_request_body(issued, change):
    body, access = issued
    response = post({**body, **change}, f"Miner 0 {SECRETS[0]}")
    assert response.status_code == 400
    assert body["token"] not in response.content.decode()
    assert not AccessToken.objects.get(pk=access.pk).used_by_miner_0


def test_the_session_of_a_logged_in_person_is_not_a_miner_credential(issued, client_for, rep_a):
    body, access = issued
    response = client_for(rep_a).post(VERIFY, body, content_type="application/json")
    assert_refused(response, access)


def test_the_openapi_schema_documents_the_endpoint(db):
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    operation = schema["paths"]["/api/miner/tokens/verify"]["post"]
    assert operation["operationId"] == "miner_tokens_verify"
    assert {"MinerSecret": []} in operation["security"]
    assert "MinerSecret" in schema["components"]["securitySchemes"]
