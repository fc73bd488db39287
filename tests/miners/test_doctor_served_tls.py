"""The doctor's look at the certificates the portal and the peers serve (miners/doctor/served_tls.py): real
TLS servers on 127.0.0.1 presenting certificates that expire in 90 days, in 10 days or expired yesterday;
nobody listening, a server that speaks no TLS and one that never answers are skipped, bounded in time."""

import socket
import ssl
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.test import override_settings

from miners.doctor import report, served_tls
from miners.doctor.result import OK, PROBLEM, SKIPPED, WARNING

from .fake_portal import closed_port_url

pytestmark = pytest.mark.django_db


def _write_certificate(directory, days: float) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=400))
            .not_valid_after(now + timedelta(days=days)).sign(key, hashes.SHA256()))
    cert_path, key_path = directory / f"cert-{days}.pem", directory / f"key-{days}.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


class Listener:
    """A server on 127.0.0.1 that completes a TLS handshake with each connection (or, with tls=None,
    accepts and says nothing), then closes it."""

    def __init__(self, tls: ssl.SSLContext | None):
        self.tls = tls
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        held = []
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            if self.tls is None:
                held.append(conn)  # silent: never a byte back
                continue
            conn.settimeout(2)
            try:
                with self.tls.wrap_socket(conn, server_side=True):
                    pass
            except (OSError, ssl.SSLError):
                conn.close()
        for conn in held:
            conn.close()

    def stop(self):
        self.stopping.set()
        self.thread.join(5)
        self.sock.close()


@pytest.fixture
def tls_server(tmp_path):
    started = []

    def start(days: float) -> int:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*_write_certificate(tmp_path, days))
        started.append(Listener(context))
        return started[-1].port

    yield start
    for listener in started:
        listener.stop()


@pytest.mark.parametrize(("days", "state", "words"), [
    (90, OK, "valid until"), (10, WARNING, "renew it"), (-1, PROBLEM, "expired on")])
def test_a_served_certificate_by_its_expiry(tls_server, days, state, words):
    port = tls_server(days)
    result = served_tls.check("the portal", "127.0.0.1", port)
    assert result.state == state and words in result.line
    assert result.check == "TLS certificate of the portal" and f"127.0.0.1:{port}" in result.line
    ends = (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%d")
    assert ends in result.line


def test_the_warning_starts_within_the_threshold(tls_server):
    port = tls_server(30)
    now = datetime.now(UTC)
    assert served_tls.check("x", "127.0.0.1", port, now=now).state == OK
    assert served_tls.check("x", "127.0.0.1", port, now=now + timedelta(days=10)).state == WARNING
    assert served_tls.check("x", "127.0.0.1", port, now=now + timedelta(days=31)).state == PROBLEM


def test_no_tls_server_is_skipped_within_the_time_bound(monkeypatch, portal):
    monkeypatch.setattr(served_tls, "TIMEOUT_SECONDS", 0.5)
    closed = int(closed_port_url().rsplit(":", 1)[1])
    plain = int(portal.url.rsplit(":", 1)[1])  # the fake portal speaks plain HTTP
    silent = Listener(None)
    try:
        for port in (closed, plain, silent.port):
            started = time.monotonic()
            result = served_tls.check("the portal", "127.0.0.1", port)
            assert result.state == SKIPPED and "did not complete a TLS handshake" in result.line
            assert time.monotonic() - started < 2
    finally:
        silent.stop()


def test_the_endpoints_are_every_https_and_wss_url_once(settings):
    peers = {1: {"url": "https://m2.example.org", "public_key": settings.MINER_PEERS[1]["public_key"],
                 "channel_url": ""},
             2: {"url": "https://m3.example.org", "public_key": settings.MINER_PEERS[2]["public_key"],
                 "channel_url": "wss://m3.example.org:8443/peer/ws"}}
    with override_settings(PORTAL_URL="https://portal.example.org:9443", MINER_PEERS=peers):
        found = served_tls.endpoints()
    assert found == [("the portal", "portal.example.org", 9443),
                     ("peer miner 2 (index 1)", "m2.example.org", 443),  # its channel: the same host:port
                     ("peer miner 3 (index 2)", "m3.example.org", 443),
                     ("peer miner 3 (index 2)'s channel", "m3.example.org", 8443)]


def test_plain_http_urls_have_no_certificate_to_check():
    assert served_tls.endpoints() == [] and served_tls.certificates() == []  # the fake portal is http://


def test_the_report_shows_the_portals_certificate_about_to_expire(tls_server):
    port = tls_server(5)
    with override_settings(PORTAL_URL=f"https://127.0.0.1:{port}"):
        results = {r.check: r for r in report.run_all()}
    served = results["TLS certificate of the portal"]
    assert served.state == WARNING and "renew it" in served.line
    assert results["portal"].state == PROBLEM  # a self-signed certificate fails the portal's own check
