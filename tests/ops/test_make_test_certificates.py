"""`manage.py make_test_certificates`: a private CA whose certificates a TLS client accepts for exactly the
names given, keys only the owner can read, and nothing replaced by accident."""

import socket
import ssl
import stat
import threading
from io import StringIO

import pytest
from cryptography import x509
from django.core.management import CommandError, call_command


def make(out, hosts="portal,miner0+miner0-worker", *extra):
    stdout = StringIO()
    call_command("make_test_certificates", "--out", str(out), "--hosts", hosts, *extra, stdout=stdout)
    return stdout.getvalue()


def handshake(ca, cert, key, server_name):
    """A TLS handshake on loopback: the server shows cert/key, the client trusts ca and checks the name."""
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    client_ctx = ssl.create_default_context(cafile=str(ca))
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def serve():
            conn, _ = listener.accept()
            try:
                with server_ctx.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(1)
            except (ssl.SSLError, OSError):
                pass

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as raw, \
                    client_ctx.wrap_socket(raw, server_hostname=server_name) as tls:
                tls.sendall(b"x")
        finally:
            thread.join(5)


def test_it_writes_a_ca_and_a_certificate_per_host_with_private_keys_0600(tmp_path):
    out = tmp_path / "certs"
    printed = make(out)
    assert sorted(p.name for p in out.iterdir()) == ["ca.crt", "ca.key", "miner0.crt", "miner0.key",
                                                      "portal.crt", "portal.key"]
    for key in ("ca.key", "portal.key", "miner0.key"):
        assert stat.S_IMODE((out / key).stat().st_mode) == 0o600
        assert "PRIVATE KEY" not in printed
    cert = x509.load_pem_x509_certificate((out / "miner0.crt").read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["miner0", "miner0-worker", "localhost"]
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]


@pytest.mark.parametrize("name", ["miner0", "miner0-worker", "127.0.0.1"])
def test_a_tls_client_trusting_the_ca_accepts_each_name_of_the_certificate(tmp_path, name):
    make(tmp_path)
    handshake(tmp_path / "ca.crt", tmp_path / "miner0.crt", tmp_path / "miner0.key", name)


def test_a_certificate_is_refused_for_another_hosts_name(tmp_path):
    make(tmp_path)
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(tmp_path / "ca.crt", tmp_path / "portal.crt", tmp_path / "portal.key", "miner0")


def test_a_certificate_of_another_ca_is_refused(tmp_path):
    make(tmp_path / "a")
    make(tmp_path / "b")
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(tmp_path / "a" / "ca.crt", tmp_path / "b" / "portal.crt", tmp_path / "b" / "portal.key",
                  "portal")


def test_it_refuses_to_overwrite_without_force_and_writes_nothing(tmp_path):
    make(tmp_path, "portal")
    before = (tmp_path / "ca.crt").read_bytes()
    with pytest.raises(CommandError, match="exists already"):
        make(tmp_path, "portal,miner1")
    assert (tmp_path / "ca.crt").read_bytes() == before
    assert not (tmp_path / "miner1.crt").exists()


def test_force_replaces_the_ca_and_keeps_keys_0600(tmp_path):
    make(tmp_path, "portal")
    before = (tmp_path / "ca.crt").read_bytes()
    make(tmp_path, "portal", "--force")
    assert (tmp_path / "ca.crt").read_bytes() != before
    assert stat.S_IMODE((tmp_path / "portal.key").stat().st_mode) == 0o600


def test_keep_existing_changes_nothing_when_a_ca_is_there(tmp_path):
    make(tmp_path, "portal")
    before = (tmp_path / "ca.crt").read_bytes()
    assert "kept" in make(tmp_path, "portal", "--keep-existing")
    assert (tmp_path / "ca.crt").read_bytes() == before


@pytest.mark.parametrize("hosts", ["", "portal,portal", "ca", "bad name", "a/b"])
def test_bad_host_lists_are_refused(tmp_path, hosts):
    with pytest.raises(CommandError, match="--hosts"):
        make(tmp_path, hosts)
