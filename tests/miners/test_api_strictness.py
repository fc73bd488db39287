"""What the schema says is what the miner accepts: values DRF would convert (a ring `"32"`, a `descending`
of `1`, an indicator `123`), a pattern followed by a newline, keys the schema does not name, and JSON
nested too deep for Python's parser are all refused with a 4xx, storing nothing and, for the intake,
without asking the portal (the fuzz tests' findings, kept as examples)."""

import json

import pytest

from consortium.contract.tokens import new_token
from miners.store.models import Run

from .intake_helpers import FIELDS, PERIOD, body_for, post, store_contents
from .test_api_schema import miner_schema  # noqa: F401 - the module-scoped fixture
from .test_runs_api import run_request

pytestmark = pytest.mark.django_db


def post_run(client, body, secret):
    raw = body if isinstance(body, str) else json.dumps(body)
    return client.post("/api/runs", raw, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Portal {secret}")


def _sorted(**change):
    return {"kind": "sorted_indicator", "indicator": "employees", "lo": 0, "hi": 9, "descending": False,
            **change}


@pytest.mark.parametrize("change", [
    {"ring": "32"}, {"ring": 32.0}, {"ring": True},
    {"analyses": [_sorted(descending=1)]}, {"analyses": [_sorted(descending="true")]},
    {"analyses": [_sorted(indicator=123)]}, {"analyses": [_sorted(indicator="employees\n")]},
    {"analyses": [_sorted(kind="ratio")]},
    {"run_id": "0b8e1a52-9c5c-4d3e-8f0e-3a1c2b4d5e6f\n"}, {"run_id": " 0b8e1a52-9c5c-4d3e-8f0e-3a1c2b4d5e6f"},
    {"columns": ["0b8e1a52-9c5c-4d3e-8f0e-3a1c2b4d5e6f "]},
], ids=repr)
def test_a_run_request_that_is_not_exactly_the_schema_is_refused(client, portal_secrets, change):
    response = post_run(client, run_request(**change), portal_secrets[0])
    assert response.status_code == 400, response.content
    assert not Run.objects.exists()


def test_json_nested_too_deep_is_a_400_for_the_run_api(client, portal_secrets):
    response = post_run(client, "[" * 100_000 + "]" * 100_000, portal_secrets[0])
    assert response.status_code == 400 and "detail" in response.json()


def test_json_nested_too_deep_is_a_400_for_the_intake(client, portal):
    response = post(client, "[" * 30_000 + "]" * 30_000)
    assert response.status_code == 400 and response.json()["detail"]
    assert portal.verifies == []


@pytest.mark.parametrize("change", [
    {"token": new_token()[:42] + "\n"}, {"period": "7"}, {"period": 7.0}, {"form": 5},
    {"values": {f"{FIELDS[0]}\n": "1"}}, {"values": {}}, {"extra": 1},
], ids=repr)
def test_a_submission_that_is_not_exactly_the_schema_never_reaches_the_portal(client, portal, change):
    token, form, _sid = portal.issue(PERIOD, 32, FIELDS)
    before = store_contents()
    response = post(client, {**body_for(token, form), **change})
    assert response.status_code == 400, response.content
    assert portal.verifies == [] and store_contents() == before


def test_the_schema_says_which_keys_and_which_kinds(miner_schema):  # noqa: F811
    _code, _output, schema = miner_schema
    components = schema["components"]["schemas"]
    for name in ("SharesRequest", "RunRequest", "SortedIndicator", "Ratio", "TimeSeries"):
        assert components[name]["additionalProperties"] is False, name
        assert "description" not in components[name], name  # not ClosedSerializer's docstring
    mapping = components["Analysis"]["discriminator"]["mapping"]
    assert set(mapping) == {"sorted_indicator", "ratio", "time_series"}
    assert components["SharesRequest"]["properties"]["values"]["minProperties"] == 1


def test_a_host_the_miner_does_not_serve_and_an_unknown_path_are_answered_in_json(client, portal_secrets):
    """Django's own refusals (a Host header not in ALLOWED_HOSTS, a path with no route) in JSON like every
    other answer of the API: the fuzz tests once sent a Host header of `<MTB)>;E$b;^:y^|`."""
    refused = client.post("/api/runs", "{}", content_type="application/json", HTTP_HOST="<MTB)>;E$b;^:y^|",
                          HTTP_AUTHORIZATION=f"Portal {portal_secrets[0]}")
    assert (refused.status_code, refused["Content-Type"], refused.json()) == (
        400, "application/json", {"detail": "Bad request."})
    missing = client.get("/api/no-such-thing")
    assert (missing.status_code, missing["Content-Type"], missing.json()) == (
        404, "application/json", {"detail": "Not found."})
