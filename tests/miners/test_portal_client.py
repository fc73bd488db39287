"""miners.portal: the miner's client for the portal keeps connections open, follows no redirect, and says
nothing of the token in its errors."""

import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from miners import portal as client
from miners.portal import Portal, PortalRefused, PortalUnavailable

TOKEN = "t" * 43  # noqa: S105 - not a real token


class Server:
    """A keep-alive HTTP/1.1 server on 127.0.0.1 that counts the connections it accepted."""

    def __init__(self, status=200, headers=None, close_after_answer=False, delay=0.0):
        self.connections = 0
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                server.connections += 1

            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                server.requests.append((self.path, self.headers["Authorization"], json.loads(body)))
                threading.Event().wait(delay)
                raw = json.dumps({"valid": False, "reason": "unknown"}).encode()
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
                self.close_connection = close_after_answer  # closes without a Connection: close header

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(autouse=True)
def no_kept_connections():
    client._connections.forget()
    yield
    client._connections.forget()


def test_consecutive_token_checks_share_one_connection():
    with Server() as server:
        portal = Portal(server.url, 1, "secret", 5)
        for _ in range(3):
            assert portal.verify_token(TOKEN, 7, "f") == {"valid": False, "reason": "unknown"}
    assert server.connections == 1
    assert [r[0] for r in server.requests] == ["/api/miner/tokens/verify"] * 3
    assert server.requests[0][1] == "Miner 1 secret"


def test_a_connection_the_portal_closed_while_idle_is_not_reused():
    # As a server's keep-alive time-out does: it closes the idle connection without a word.
    with Server(close_after_answer=True) as server:
        portal = Portal(server.url, 0, "secret", 5)
        for _ in range(3):
            portal.verify_token(TOKEN, 7, "f")
            threading.Event().wait(0.2)  # the server's close has arrived
    assert server.connections == 3 and len(server.requests) == 3  # none lost on a closed connection


def test_a_connection_idle_too_long_is_not_reused(monkeypatch):
    monkeypatch.setattr(client, "MAX_IDLE_SECONDS", 0.0)
    with Server() as server:
        portal = Portal(server.url, 0, "secret", 5)
        portal.verify_token(TOKEN, 7, "f")
        threading.Event().wait(0.01)
        portal.verify_token(TOKEN, 7, "f")
    assert server.connections == 2


def test_a_redirect_is_not_followed():
    with Server() as elsewhere, Server(status=307, headers={"Location": elsewhere.url + "/x"}) as server:
        with pytest.raises(PortalRefused) as refused:
            Portal(server.url, 0, "secret", 5).verify_token(TOKEN, 7, "f")
    assert refused.value.status == 307
    assert elsewhere.requests == []  # the Authorization header went nowhere else


def test_an_error_status_is_refused_and_the_connection_kept():
    with Server(status=401) as server:
        portal = Portal(server.url, 0, "secret", 5)
        for _ in range(2):
            with pytest.raises(PortalRefused, match="HTTP 401"):
                portal.verify_token(TOKEN, 7, "f")
    assert server.connections == 1


def test_a_slow_portal_is_a_timeout_that_names_no_token():
    with Server(delay=1.0) as server:
        with pytest.raises(PortalUnavailable) as failed:
            Portal(server.url, 0, "secret", 0.2).verify_token(TOKEN, 7, "f")
    assert str(failed.value) == "timeout"


def test_a_portal_that_is_down_is_unreachable():
    from .fake_portal import closed_port_url

    with pytest.raises(PortalUnavailable) as failed:
        Portal(closed_port_url(), 0, "secret", 1).verify_token(TOKEN, 7, "f")
    assert str(failed.value) == "unreachable"
    assert failed.value.__suppress_context__  # the socket's error (with the address) is not chained


def test_https_checks_the_certificate_and_the_host_name():
    conn, reused = client._Connections().take("https", "portal.example", 443, 1)
    assert not reused
    assert conn._context.verify_mode == ssl.CERT_REQUIRED and conn._context.check_hostname


def test_an_unconfigured_portal_is_not_asked():
    with pytest.raises(PortalUnavailable, match="not configured"):
        Portal("ftp://portal.example", 0, "secret", 1).verify_token(TOKEN, 7, "f")
    with pytest.raises(PortalUnavailable, match="not configured"):
        Portal("https://portal.example", 0, "", 1).verify_token(TOKEN, 7, "f")
