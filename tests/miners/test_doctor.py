"""The miner's doctor (miners/doctor/): each check on a good and a broken set-up, `manage.py doctor`'s output
and exit status, and GET /api/doctor for the portal. Each problem is one line naming what to set or do, and
never a secret's value."""

import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from django.core.management import call_command
from django.test import override_settings

from consortium.contract import credentials, keys
from miners.doctor import local, remote, services
from miners.doctor.result import OK, PROBLEM, SKIPPED, WARNING

from .fake_portal import closed_port_url

pytestmark = pytest.mark.django_db


def by_check(results):
    return {r.check: r for r in results}


def test_the_portal_check_sees_its_secret_accepted(portal):
    assert remote.portal().state == OK


def test_the_portal_check_compares_the_key_the_portal_pinned_with_this_miners(portal, miner_keys):
    own = keys.fingerprint(keys.encode_public_key(miner_keys[0]))
    portal.key_fingerprints[0] = own
    assert remote.portal().state == OK
    portal.key_fingerprints[0] = None  # not registered yet
    waiting = remote.portal()
    assert waiting.state == WARNING and "approve" in waiting.line and "register_with_portal" in waiting.line
    portal.pending_fingerprints[0] = own  # registered, not approved yet
    pending = remote.portal()
    assert pending.state == WARNING and "not yet approved" in pending.line and own in pending.line
    assert "register_with_portal" not in pending.line
    portal.pending_fingerprints.clear()
    other = keys.fingerprint(keys.encode_public_key(miner_keys[1]))
    portal.key_fingerprints[0] = other  # e.g. a rotation the portal missed
    stale = remote.portal()
    assert stale.state == PROBLEM and other in stale.line and own in stale.line and "--resend" in stale.line


def test_a_wrong_portal_secret_is_a_problem_that_says_what_to_set(settings):
    wrong = "a-wrong-secret-" + "x" * 30
    with override_settings(PORTAL_SECRET=wrong):
        result = remote.portal()
    assert result.state == PROBLEM and "PORTAL_SECRET" in result.line and "MINER_0_SECRET" in result.line
    assert wrong not in result.line


def test_an_unreachable_portal_is_a_problem():
    with override_settings(PORTAL_URL=closed_port_url()):
        result = remote.portal()
    assert result.state == PROBLEM and "does not answer" in result.line


@pytest.mark.parametrize(("setting", "value"), [("PORTAL_URL", ""), ("PORTAL_SECRET", None),
                                                  ("PORTAL_SECRET", "")])
def test_an_unset_portal_setting_is_a_problem_naming_it(setting, value):
    with override_settings(**{setting: value}):
        result = remote.portal()
    assert result.state == PROBLEM and f"{setting} is not set" in result.line


def test_a_portal_url_that_is_not_http_is_a_problem_not_a_failed_check():
    with override_settings(PORTAL_URL="portal.example"):
        result = remote.portal()
    assert result.state == PROBLEM and "does not answer" in result.line and "PORTAL_URL" in result.line


def test_clock_skew_is_reported_above_five_seconds():
    assert remote.clock("the portal", 1.0) is None and remote.clock("the portal", None) is None
    assert "+12 s" in remote.clock("the portal", 12.0) and "NTP" in remote.clock("the portal", -12.0)


def test_peers_without_urls_are_one_problem_naming_the_setting():
    [result] = remote.peers()
    assert result.state == PROBLEM and "MINER_PEER_1_URL" in result.line


def test_a_peer_that_is_not_a_miner_is_a_problem_per_peer(portal, settings):
    # the fake portal answers 404 to /api/health: not a miner
    peers = {j: {**p, "url": portal.url} for j, p in settings.MINER_PEERS.items()}
    with override_settings(MINER_PEERS=peers):
        results = remote.peers()
    assert [r.check for r in results] == ["peer miner 2 (index 1)", "peer miner 3 (index 2)"]
    assert all(r.state == PROBLEM and "HTTP 404" in r.line for r in results)
    assert "MINER_PEER_1_URL" in results[0].line and "MINER_PEER_2_URL" in results[1].line


@pytest.fixture
def failing_deploy_check():
    """A registered deployment check (`check --deploy` only) that fails with id doctor.E999."""
    from django.core.checks import Error, registry

    def planted(app_configs=None, **kwargs):
        return [Error("a planted failure", id="doctor.E999")]

    registry.registry.register(planted, deploy=True)
    try:
        yield
    finally:
        registry.registry.deployment_checks.discard(planted)


def test_the_configuration_check_runs_the_deployment_checks_and_names_failing_ids(failing_deploy_check):
    with override_settings(DEBUG=False, IS_DEV=False):
        deployed = local.configuration()
    with override_settings(DEBUG=False, IS_DEV=True):
        developing = local.configuration()
    assert deployed.state == PROBLEM and "doctor.E999" in deployed.line
    assert "doctor.E999" not in developing.line


def test_the_configuration_lines(monkeypatch):
    from django.core.checks import Error, Info, Warning  # noqa: A004 - Django's name

    def found(*messages):
        monkeypatch.setattr(local.checks, "run_checks", lambda **kwargs: list(messages))
        return local.configuration()

    assert found().state == OK and found(Info("fine", id="x.I001")).state == OK
    warned = found(Warning("soon", id="x.W001"), Warning("later", id="x.W002"))
    assert warned.state == WARNING and "2 warning(s) (x.W001, x.W002)" in warned.line
    errors = [Error(f"broken {n}", id=f"x.E{n:03}") for n in range(7)]
    failed = found(Warning("soon", id="x.W001"), *errors)
    assert failed.state == PROBLEM and failed.line.startswith("x.E000: broken 0")
    assert "x.E000, x.E001, x.E002, x.E003, x.E004 and 2 more" in failed.line and "x.W001" not in failed.line


def test_peers_that_never_answer_are_checked_in_parallel_within_the_bound(settings, monkeypatch):
    """Two peers that accept a connection and say nothing: each a problem, found together in about one
    peer's bound (one after the other they would take twice that)."""
    monkeypatch.setattr(remote, "PEER_SECONDS", 2.0)  # health asked for 1 s
    with socket.create_server(("127.0.0.1", 0)) as one, socket.create_server(("127.0.0.1", 0)) as two:
        urls = {1: f"http://127.0.0.1:{one.getsockname()[1]}", 2: f"http://127.0.0.1:{two.getsockname()[1]}"}
        peers = {j: {**p, "url": urls[j]} for j, p in settings.MINER_PEERS.items()}
        with override_settings(MINER_PEERS=peers):
            started = time.monotonic()
            results = remote.peers()
            took = time.monotonic() - started
    assert [r.state for r in results] == [PROBLEM, PROBLEM]
    assert all("does not answer" in r.line for r in results)
    assert 1.0 <= took < 1.8


def test_database_and_disk_on_the_embedded_default():
    assert local.database().state == OK
    assert local.disk().state in (OK, WARNING)  # the machine's free space decides


def _certificate(tmp_path, days: float):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "miner0")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=400))
            .not_valid_after(now + timedelta(days=days)).sign(key, hashes.SHA256()))
    path = tmp_path / f"cert-{days}.pem"
    path.write_bytes(cert.public_bytes(Encoding.PEM))
    return str(path)


@pytest.mark.parametrize(("days", "state"), [(90, OK), (10, WARNING), (-1, PROBLEM)])
def test_the_peer_listeners_certificate_expiry(tmp_path, days, state):
    with override_settings(MINER_PEER_TLS_CERT_FILE=_certificate(tmp_path, days)):
        assert local.certificate().state == state


def test_no_certificate_file_is_skipped_and_an_unreadable_one_a_problem(tmp_path):
    assert local.certificate().state == SKIPPED
    (tmp_path / "bad.pem").write_text("not a certificate")
    with override_settings(MINER_PEER_TLS_CERT_FILE=str(tmp_path / "bad.pem")):
        assert local.certificate().state == PROBLEM


def test_broker_and_worker_are_skipped_on_the_embedded_default_and_checked_with_a_broker():
    assert services.broker().state == SKIPPED and services.worker().state == SKIPPED
    port = closed_port_url().rsplit(":", 1)[1]
    secret_url = f"redis://:hunter2-password@127.0.0.1:{port}/0"
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=secret_url,
                           MINER_PEER_LISTEN=f"127.0.0.1:{port}"):
        broker, worker = services.broker(), services.worker()
    assert broker.state == PROBLEM and "REDIS_URL" in broker.line and "hunter2" not in broker.line
    assert worker.state == PROBLEM and "MINER_PEER_LISTEN" in worker.line


def test_the_command_prints_a_line_per_check_and_exits_1_on_a_problem():
    out = StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("doctor", stdout=out)
    assert exited.value.code == 1
    text = out.getvalue()
    assert "OK      portal:" in text and "PROBLEM peers: MINER_PEER_1_URL" in text
    assert "problem(s)" in text.splitlines()[-1]


def test_the_command_exits_0_when_nothing_is_a_problem(monkeypatch):
    from miners.doctor import report
    from miners.doctor.result import ok, warning

    monkeypatch.setattr(report, "run_all", lambda: [ok("a", "fine"), warning("b", "soon: do it")])
    monkeypatch.setattr("miners.doctor.management.commands.doctor.run_all", report.run_all)
    out = StringIO()
    call_command("doctor", "--json", stdout=out)
    body = json.loads(out.getvalue())
    assert body["status"] == WARNING and body["counts"][WARNING] == 1


def test_the_portal_reads_the_report_with_its_credentials_only(client, portal_secrets):
    assert client.get("/api/doctor").status_code == 401
    wrong = credentials.portal_header("x" * 43)
    assert client.get("/api/doctor", HTTP_AUTHORIZATION=wrong).status_code == 401
    answer = client.get("/api/doctor", HTTP_AUTHORIZATION=credentials.portal_header(portal_secrets[0]))
    assert answer.status_code == 200 and answer["Cache-Control"] == "no-store"
    body = answer.json()
    assert body["status"] == PROBLEM  # no peers configured here
    assert {c["check"] for c in body["checks"]} >= {"configuration", "database", "portal"}
    assert portal_secrets[0] not in answer.content.decode()


def _basic(password: str, user: str = "it") -> str:
    import base64

    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_the_status_page_is_404_without_its_password_setting(client):
    assert client.get("/status").status_code == 404


def test_the_status_page_asks_for_its_password_and_shows_the_report(client):
    password = "a-status-password-" + "y" * 10
    with override_settings(MINER_STATUS_PASSWORD=password):
        refused = client.get("/status")
        wrong = client.get("/status", HTTP_AUTHORIZATION=_basic("not-" + password))
        garbled = client.get("/status", HTTP_AUTHORIZATION="Basic %%%")
        page = client.get("/status", HTTP_AUTHORIZATION=_basic(password))
        posted = client.post("/status", HTTP_AUTHORIZATION=_basic(password))
    assert refused.status_code == wrong.status_code == garbled.status_code == 401
    assert refused["WWW-Authenticate"].startswith("Basic ")
    assert page.status_code == 200 and "default-src 'none'" in page["Content-Security-Policy"]
    text = page.content.decode()
    assert "Miner 1 (index 0): status" in text and "PROBLEM" in text and "MINER_PEER_1_URL" in text
    assert password not in text
    assert posted.status_code == 405
    # the policy allows exactly the page's one style block, by its hash, and nothing else
    import base64
    import hashlib

    style = text.split("<style>", 1)[1].split("</style>", 1)[0]
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in page["Content-Security-Policy"]
    assert text.count("<style") == 1 and "<script" not in text


class _SkewedClock(BaseHTTPRequestHandler):
    """Answers every GET 200 {"miner": 0} with a Date header `skew` seconds off this machine's clock."""
    skew = 0.0

    def log_message(self, *args):
        pass

    def date_time_string(self, timestamp=None):
        return formatdate(time.time() + self.skew, usegmt=True)

    def do_GET(self):  # noqa: N802 - http.server's name
        body = b'{"miner": 0}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def skewed_portal():
    """A portal whose clock is `skew` seconds off: set the handler's skew, read its url."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (_SkewedClock,), {}))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("skew", "state"), [(0.0, OK), (60.0, WARNING), (-60.0, WARNING)])
def test_the_portals_clock_is_read_from_its_date_header(skewed_portal, skew, state):
    skewed_portal.RequestHandlerClass.skew = skew
    with override_settings(PORTAL_URL=f"http://127.0.0.1:{skewed_portal.server_port}"):
        result = remote.portal()
    assert result.state == state
    if state == WARNING:
        seen = int(re.search(r"by ([+-]\d+) s", result.line).group(1))  # Date has 1 s resolution
        assert abs(seen - skew) <= 2 and "NTP" in result.line


def test_the_worker_is_alive_when_its_peer_listener_accepts():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listen = f"0.0.0.0:{listener.getsockname()[1]}"
        with override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL="redis://127.0.0.1:1/0",
                               MINER_PEER_LISTEN=listen):
            result = services.worker()
    assert result.state == OK and listen in result.line


@pytest.fixture
def redis_url(tmp_path):
    """A throwaway redis-server on a free 127.0.0.1 port (a system package: skipped without it, failed under
    CI=true), stopped after the test."""
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server is not installed (scripts/ensure-system-packages.sh installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    port = int(closed_port_url().rsplit(":", 1)[1])
    server = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(tmp_path),  # noqa: S603
                               "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_broker_that_answers_is_ok(redis_url):
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=redis_url):
        result = services.broker()
    assert result.state == OK


def test_a_peer_that_has_not_pinned_this_miner_or_another_key_is_a_problem(miner_keys, settings):
    own = keys.fingerprint(keys.encode_public_key(miner_keys[0]))
    other = keys.fingerprint(keys.encode_public_key(miner_keys[2]))
    settings.MINER_URL = "https://miner1.example.org"
    assert remote._pinned_here_by({"peer_keys": {"0": own, "2": other}}, 1) is None
    assert remote._pinned_here_by({}, 1) is None  # a peer of an older version does not say
    missing = remote._pinned_here_by({"peer_keys": {"0": None, "2": other}}, 1)
    assert missing.state == PROBLEM and "not pinned this miner" in missing.line
    assert f"add_peer https://miner1.example.org '{own}'" in missing.line
    stale = remote._pinned_here_by({"peer_keys": {"0": other, "2": other}}, 1)
    assert stale.state == PROBLEM and own in stale.line and other in stale.line


def test_the_status_page_answers_429_after_ten_wrong_passwords(client, settings):
    import base64

    settings.MINER_STATUS_PASSWORD = "the-right-password-1234"

    def basic(password):
        return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"it:{password}".encode()).decode()}

    assert client.get("/status").status_code == 401  # the browser's first request: not counted
    for k in range(10):
        assert client.get("/status", **basic(f"wrong-{k}")).status_code == 401
    assert client.get("/status", **basic("the-right-password-1234")).status_code == 429  # even the right one


def test_the_rotation_endpoint_is_throttled(client):
    for _ in range(60):
        assert client.post("/api/identity/rotation", "{}", content_type="application/json").status_code == 400
    assert client.post("/api/identity/rotation", "{}", content_type="application/json").status_code == 429


def test_a_peers_text_is_never_repeated_into_the_report():
    good = "3F2A 91C0 5D7E 0B44 C2A9 77E1 1F08 D3B6"
    assert remote.shown(good) == good
    for value in ("call +372 555 to re-pin", "3F2A", None, 7, "3f2a 91c0 5d7e 0b44 c2a9 77e1 1f08 d3b6 x"):
        assert remote.shown(value) == "(malformed)"
