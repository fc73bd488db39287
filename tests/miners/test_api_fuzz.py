"""The miner's intake and run APIs fuzzed from the OpenAPI schema it serves (schemathesis): no 5xx, every
status code, content type and body as the schema says, schema-invalid requests refused, and a refused
request changes nothing in the store. The miner runs in process (its WSGI application) against the real
fake portal of conftest.py, with a fixed seed: the same cases in every run.

Credentials vary per case: the portal's secret, a wrong one, a malformed header or none for the run API;
for the intake, a token the fake portal issued for exactly the body's period, form and fields (so that
cases get past the token check and are stored), one it issued for another form, a reused one, or one it
never issued. Together the tests below send CASES_TOTAL (well over 1,000) generated cases.
"""

import copy
import re
import secrets
import uuid

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from consortium.contract import keys
from consortium.contract.messages import receipt_message
from consortium.contract.tokens import new_token
from miners.store.models import Run, Submission

from .intake_helpers import store_contents

CODE = re.compile(r"[-a-zA-Z0-9_]{1,40}")
SHARE = re.compile(r"0|[1-9][0-9]{0,19}")
MAX_FIELDS = 50  # MINER_MAX_FIELDS

pytestmark = pytest.mark.django_db

# Examples per (operation, mode): 1,211 cases in all.
EXAMPLES = {
    ("/api/shares", "POST", GenerationMode.POSITIVE): 350,
    ("/api/shares", "POST", GenerationMode.NEGATIVE): 250,
    ("/api/runs", "POST", GenerationMode.POSITIVE): 250,
    ("/api/runs", "POST", GenerationMode.NEGATIVE): 200,
    ("/api/runs/{run_id}", "GET", GenerationMode.POSITIVE): 80,
    ("/api/runs/{run_id}", "GET", GenerationMode.NEGATIVE): 80,
    ("/api/health", "GET", GenerationMode.POSITIVE): 1,  # no input at all: one case is every case
}
CASES_TOTAL = sum(EXAMPLES.values())
assert CASES_TOTAL >= 1000
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]

FUZZ = settings(derandomize=True, database=None, deadline=None, print_blob=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.filter_too_much, HealthCheck.data_too_large])


def fuzz(schema, path, method, mode, prepare) -> int:
    """Send EXAMPLES[...] generated cases of one operation and mode; how many were sent."""
    sent = []

    @settings(FUZZ, max_examples=EXAMPLES[(path, method, mode)])
    @given(data=st.data())
    def one(data):
        sent.append(1)
        run_case(schema, path, method, mode, data, prepare)

    one()
    assert len(sent) >= EXAMPLES[(path, method, mode)]
    return len(sent)


@pytest.fixture
def app():
    """The miner's WSGI application, in this test's database transaction: as Django's test client does,
    the end of a request must not close the connection (and with it the transaction)."""
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_finished.connect(close_old_connections)


@pytest.fixture
def schema(app):
    return schemathesis.openapi.from_wsgi("/api/schema/", app)


def run_case(schema, path, method, mode, data, prepare):
    """Draw and send one case; `prepare(case, data)` sets its credentials and says what it expects."""
    case = data.draw(schema[path][method].as_strategy(generation_mode=mode), label="case")
    generated = copy.deepcopy(case.body)
    expect = prepare(case, data)
    before = store_contents()
    response = case.call()
    # A negative case must be refused, unless the credentials put in made its body a valid one.
    negative = mode is GenerationMode.NEGATIVE and (case.body == generated or not _valid_body(schema, case))
    checks = CHECKS + ([negative_data_rejection] if negative else [])
    case.validate_response(response, checks=checks)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert store_contents() == before, f"a refused request ({response.status_code}) changed the store"
    if expect is not None:
        expect(response, before)


def _valid_body(schema, case) -> bool:
    """Whether the body is valid by the operation's schema (only SharesRequest's bodies are ever changed)."""
    body_schema = schema.raw_schema["components"]["schemas"]["SharesRequest"]
    return Draft4Validator(body_schema).is_valid(case.body)


MODES = pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                                ids=["positive", "negative"])


# --- POST /api/runs and GET /api/runs/{run_id}: the portal's secret, sometimes -----------------------

def _portal_header(data, secret):
    choice = data.draw(st.sampled_from(["valid", "valid", "wrong", "malformed", "none"]), label="auth")
    return choice, {
        "valid": f"Portal {secret}", "wrong": f"Portal {secrets.token_urlsafe(32)}",
        "malformed": data.draw(st.sampled_from(["Portal", "Portal  ", "Miner 0 x", "Bearer x",
                                                f"Portal {secret} extra", "portal"])),
        "none": None}[choice]


def _with_portal_auth(secret):
    def prepare(case, data):
        choice, header = _portal_header(data, secret)
        case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        if header is not None:
            case.headers["Authorization"] = header

        def expect(response, before):
            if choice == "valid":
                return
            if response.status_code == 404 and case.meta.generation.mode is GenerationMode.NEGATIVE:
                return  # a run id that is not a UUID: no such URL, whoever asks
            assert response.status_code == 401, response.text
            assert response.headers.get("www-authenticate") == ["Portal"]
        return expect
    return prepare


@MODES
def test_it_fuzzes_the_run_start(schema, portal_secrets, mode):
    fuzz(schema, "/api/runs", "POST", mode, _with_portal_auth(portal_secrets[0]))
    if mode is GenerationMode.POSITIVE:
        assert Run.objects.exists()  # some cases were accepted: the fuzzing got past the checks


@MODES
def test_it_fuzzes_the_run_progress(schema, portal_secrets, mode):
    known = Run.objects.create(run_id=uuid.uuid4(), request={}, request_digest="0" * 64)
    auth = _with_portal_auth(portal_secrets[0])

    def prepare(case, data):
        if mode is GenerationMode.POSITIVE and data.draw(st.booleans(), label="known run"):
            case.path_parameters = {"run_id": str(known.run_id)}
        return auth(case, data)

    fuzz(schema, "/api/runs/{run_id}", "GET", mode, prepare)


def test_it_fuzzes_the_health(schema):
    fuzz(schema, "/api/health", "GET", GenerationMode.POSITIVE, lambda case, data: None)


# --- POST /api/shares: tokens from the fake portal, sometimes ------------------------------------------

def _fits(schema, case, ring) -> bool:
    """Whether the miner must store this body once the token is one issued for it: valid by the schema and
    by the rules of docs/api.md section 2 that it cannot state (the same codes in both, each share below
    2^ring)."""
    body = case.body
    if not _valid_body(schema, case):
        return False
    values, submitted = body["values"], body["submitted"]
    return (isinstance(values, dict) and isinstance(submitted, dict) and 0 < len(values) <= MAX_FIELDS
            and set(values) == set(submitted) and all(CODE.fullmatch(code) for code in values)
            and all(isinstance(share, str) and SHARE.fullmatch(share) and int(share) < 2**ring
                    for part in (values, submitted) for share in part.values()))


def _with_valid_codes(body):
    """The generated shares under field codes the portal could name (random keys seldom are), the same codes
    in `submitted` as in `values`: the cases that can get past the token check."""
    values, submitted = body["values"], body.get("submitted")
    spare = list(submitted.values()) if isinstance(submitted, dict) else []
    codes = {}
    for k, (key, share) in enumerate(list(values.items())[:MAX_FIELDS]):
        code = re.sub(r"[^-a-zA-Z0-9_]", "", key)[:40]
        codes[code if code and code not in codes else f"f{k}"] = share
    body["values"] = codes
    body["submitted"] = {code: spare[k] if k < len(spare) else "1" for k, code in enumerate(codes)}


def _with_tokens(schema, portal, miner_keys, used):
    def prepare(case, data):
        body = case.body
        if not isinstance(body, dict):
            return None
        choice = data.draw(st.sampled_from(["issued", "issued", "issued", "other_form", "reused", "unknown",
                                            "as_generated"]), label="token")
        if choice == "as_generated":
            return None
        if choice == "unknown":
            body["token"] = new_token()
            return None
        if choice == "reused" and used:
            body["token"], stored_body = used[-1]
            return None
        if not isinstance(body.get("period"), int) or not isinstance(body.get("values"), dict):
            return None
        if data.draw(st.booleans(), label="valid codes"):
            _with_valid_codes(body)
        ring = data.draw(st.sampled_from([64, 64, 32]), label="ring")
        token, form, sid = portal.issue(body["period"], ring, sorted(body["values"]))
        body["token"] = token
        body["form"] = str(uuid.uuid4()) if choice == "other_form" else form
        if choice == "other_form" or not _fits(schema, case, ring):
            return None

        def expect(response, before):
            # A body of the right shape with a token issued for it: stored, and the receipt is signed.
            assert response.status_code == 201, response.text
            receipt = response.json()
            assert receipt["submission_id"] == sid
            message = receipt_message(0, body["period"], sid, receipt["digest"])
            assert keys.signature_is_valid(miner_keys[0].public_key(), message, receipt["signature"])
            assert Submission.objects.filter(submission_id=sid).count() == 1
            used.append((token, dict(body)))
        return expect
    return prepare


@MODES
def test_it_fuzzes_the_share_intake(schema, portal, miner_keys, mode):
    used = []
    fuzz(schema, "/api/shares", "POST", mode, _with_tokens(schema, portal, miner_keys, used))
    print(f"{len(used)} stored")
    if mode is GenerationMode.POSITIVE:
        assert len(used) >= 20, f"only {len(used)} generated submissions got past the token check"
