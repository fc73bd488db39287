"""The miner's OpenAPI schema (drf-spectacular): generated without a warning by the command an operator
runs, served at /api/schema/, and naming each endpoint of docs/api.md that a miner implements."""

import pytest

from tests.portal.pages.test_api_schema import spectacular

MINER_ENDPOINTS = {"/api/shares": "post", "/api/runs": "post", "/api/runs/{run_id}": "get",
                   "/api/health": "get", "/api/periods/{period_id}/purge": "post", "/api/doctor": "get",
                   "/api/identity": "get", "/api/identity/rotation": "post"}


@pytest.fixture(scope="module")
def miner_schema(tmp_path_factory):
    return spectacular(tmp_path_factory.mktemp("miner"), DEPLOYMENT_MODE="miner", MINER_INDEX="0")


def test_it_generates_without_warnings_and_names_every_miner_endpoint(miner_schema):
    code, output, schema = miner_schema
    assert code == 0, output
    assert "Warning" not in output.replace("consortium.W010", ""), output  # W010: a dev miner's settings
    for path, method in MINER_ENDPOINTS.items():
        assert method in schema["paths"][path], path
    assert set(schema["paths"]) == set(MINER_ENDPOINTS)  # nothing of the portal's
    shares = schema["paths"]["/api/shares"]["post"]
    assert {"201", "400", "403", "409", "413", "503"} <= set(shares["responses"])
    runs = schema["paths"]["/api/runs"]["post"]
    assert runs["security"] == [{"PortalSecret": []}]
    purge = schema["paths"]["/api/periods/{period_id}/purge"]["post"]
    assert purge["security"] == [{"PortalSecret": []}] and {"200", "401"} <= set(purge["responses"])


def test_the_miner_serves_its_schema(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert b"/api/shares" in response.content
