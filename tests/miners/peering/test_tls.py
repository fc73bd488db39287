"""The peer channel over wss:// (TLS on the served endpoint, as in production): it works with the CA
that signed the peer's certificate, and a miner that does not trust the certificate never connects."""

import datetime as dt
import ipaddress
import ssl

import numpy as np
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from mpc_engine.protocols.arithmetic import from_additive, mul, reveal
from mpc_engine.ring import RING64
from mpc_engine.sharing import additive_shares
from mpc_engine.transport.framing import PeerTimeout

from .conftest import party_with_channel_keys


def certificate(tmp_path, name: str) -> dict:
    """A self-signed certificate for localhost and 127.0.0.1 (its own CA), as files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=1)).not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    paths = {"cert": tmp_path / f"{name}.crt", "key": tmp_path / f"{name}.key"}
    paths["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    return {k: str(v) for k, v in paths.items()}


def test_a_multiplication_over_wss_with_the_peers_ca(network_factory, tmp_path):
    tls = certificate(tmp_path, "miners")
    trusting = ssl.create_default_context(cafile=tls["cert"])
    net = network_factory(tls=tls, options={i: {"ssl_context": trusting} for i in range(3)})
    assert all(net.urls[i].startswith("wss://localhost:") for i in (1, 2))
    x = np.arange(1, 101, dtype=np.uint64) << np.uint64(40)
    y = np.arange(100, dtype=np.uint64)
    xs, ys = additive_shares(RING64, x), additive_shares(RING64, y)

    def program(i, transport):
        party = party_with_channel_keys(transport, RING64)
        return reveal(party, mul(party, from_additive(party, xs[i]), from_additive(party, ys[i])))

    outputs, errors = net.run(program)
    assert errors == [None] * 3
    for out in outputs:
        np.testing.assert_array_equal(out, x * y)


def test_a_miner_that_does_not_trust_the_certificate_never_connects(network_factory, tmp_path):
    tls = certificate(tmp_path, "miners")
    stranger = ssl.create_default_context(cafile=certificate(tmp_path, "other")["cert"])
    net = network_factory(tls=tls, options={i: {"ssl_context": stranger} for i in range(3)})
    outputs, errors = net.run(lambda i, t: t.pairwise_keys(), connect_timeout=2.0)
    assert isinstance(errors[0], PeerTimeout)
    assert "miner 1" in str(errors[0]) and "CERTIFICATE_VERIFY_FAILED" in str(errors[0])
