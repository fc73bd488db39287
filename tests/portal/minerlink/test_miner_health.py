"""miner_client.health against a real HTTP server on 127.0.0.1: up, degraded, down, not configured."""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from consortium.portal.minerlink import client as miner_client

SECRET = "s3cret-never-shown"  # noqa: S105 - a test value
LIBRARY = "0123456789abcdef" * 4  # a SHA-256 in hex


class FakeMiner(BaseHTTPRequestHandler):
    """Answers GET /api/health with whatever the test put in `server.answer` (status, body, delay)."""

    def do_GET(self):  # noqa: N802 - the http.server API
        status, body, delay = self.server.answer
        self.server.seen.append((self.path, self.headers.get("Authorization")))
        time.sleep(delay)
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        if status in (301, 302):
            self.send_header("Location", "http://127.0.0.1:1/elsewhere")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        try:
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the timeout test)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_miner():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeMiner)
    server.daemon_threads = True
    healthy = {"status": "ok", "miner_index": 0, "peers": {"1": "ok", "2": "ok"}, "version": "1.0",
               "sharing_library_sha256": LIBRARY}
    server.answer = (200, healthy, 0)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def miners(settings, fake_miner):
    """Miner 0 is the fake server, miner 1 a port nobody listens on, miner 2 not configured."""
    settings.MINERS = [
        {"url": f"http://127.0.0.1:{fake_miner.server_port}/", "secret": SECRET, "public_key": ""},
        {"url": f"http://127.0.0.1:{closed_port()}", "secret": SECRET, "public_key": ""},
        {"url": "", "secret": None, "public_key": ""},
    ]
    settings.MINER_HEALTH_TIMEOUT_SECONDS = 1
    return settings.MINERS


def test_it_reports_a_miner_that_is_up(miners, fake_miner):
    assert miner_client.health(0) == {"status": "ok", "peers": {"1": "ok", "2": "ok"}, "version": "1.0",
                                      "sharing_library_sha256": LIBRARY}
    assert fake_miner.seen == [("/api/health", None)]  # the health check sends no secret


@pytest.mark.parametrize("shipped", [None, "", LIBRARY.upper(), LIBRARY[:-1], LIBRARY + "0", 42, [LIBRARY],
                                     "<script>" + LIBRARY[8:]])
def test_a_missing_or_malformed_library_digest_is_reported_as_none(miners, fake_miner, shipped):
    answer = {"status": "ok", "miner_index": 0, "peers": {}}
    fake_miner.answer = (200, answer if shipped is None else {**answer, "sharing_library_sha256": shipped}, 0)
    assert miner_client.health(0)["sharing_library_sha256"] == ""


def test_it_reports_a_degraded_miner(miners, fake_miner):
    fake_miner.answer = (200, {"status": "degraded", "miner_index": 0, "peers": {"1": "unreachable"}}, 0)
    assert miner_client.health(0)["status"] == "degraded"


def test_it_reports_a_miner_nobody_answers_for_as_down(miners):
    assert miner_client.health(1) == {"status": "down", "error": "connection refused"}


def test_it_reports_an_unconfigured_miner(miners):
    assert miner_client.health(2)["status"] == "not_configured"


@pytest.mark.parametrize("answer, reason", [
    ((503, {"status": "ok", "miner_index": 0}, 0), "HTTP 503"),
    ((200, b"<html>proxy error</html>", 0), "response is not JSON"),
    ((200, {"status": "fine", "miner_index": 0}, 0), "unexpected answer"),
    ((200, {"status": "ok", "miner_index": 2}, 0), "answers as another miner"),
    ((302, b"", 0), "HTTP 302"),
    ((200, b"[" * (miner_client.MAX_RESPONSE_BYTES + 10), 0), "response too large"),
])
def test_it_reports_a_miner_that_answers_wrongly_as_down(miners, fake_miner, answer, reason):
    fake_miner.answer = answer
    assert miner_client.health(0) == {"status": "down", "error": reason}


def test_it_gives_up_after_the_health_timeout(miners, fake_miner):
    fake_miner.answer = (200, {"status": "ok", "miner_index": 0}, 2.5)
    started = time.monotonic()
    assert miner_client.health(0) == {"status": "down", "error": "timeout"}
    assert time.monotonic() - started < 2


def test_it_checks_the_three_miners_at_once(miners, fake_miner):
    fake_miner.answer = (200, {"status": "ok", "miner_index": 0}, 0.5)
    started = time.monotonic()
    states = [h["status"] for h in miner_client.health_all()]
    assert states == ["ok", "down", "not_configured"]
    assert time.monotonic() - started < 1.4


def test_its_errors_never_name_the_url_or_the_secret(miners, fake_miner):
    fake_miner.answer = (500, {"detail": SECRET}, 0)
    for i in range(3):
        text = json.dumps(miner_client.health(i))
        assert SECRET not in text and "127.0.0.1" not in text


def test_authenticated_calls_carry_the_pairs_secret_and_refuse_redirects(miners, fake_miner):
    fake_miner.answer = (302, b"", 0)
    with pytest.raises(miner_client.MinerError, match="HTTP 302"):
        miner_client.request_json(0, "GET", "/api/runs/x", auth=True)
    assert fake_miner.seen == [("/api/runs/x", f"Portal {SECRET}")]  # and nothing sent to the Location


def test_it_refuses_a_url_that_is_not_http(settings):
    settings.MINERS = [{"url": "file:///etc/passwd", "secret": None, "public_key": ""}] * 3
    assert miner_client.health(0)["status"] == "not_configured"
