"""A private certificate authority and TLS certificates for a local test consortium.

Only for a consortium rehearsed on one machine (docker/consortium.compose.yml): in production each host
sits behind its own reverse proxy with a certificate from a public CA. Whatever certificate a peer shows,
the miners also authenticate each other by their pinned Ed25519 identity keys in the peer channel's
handshake, so TLS here protects the portal <-> miner and browser <-> miner links, and the channel twice.

Files written into one directory: ca.crt (to trust), ca.key, and <host>.crt / <host>.key for each host;
every private key is created with mode 0600, and nothing existing is replaced unless asked.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_NAME = "ca"
# Short-lived on purpose: a test consortium's CA must not become something a machine trusts for years.
CA_DAYS = 365
HOST_DAYS = 90
# Names on every host certificate besides its own: the docker host reaches published ports by them.
DEFAULT_EXTRA_NAMES = ("localhost", "127.0.0.1")


@dataclass(frozen=True)
class Host:
    """One certificate: its file name and the names it is valid for (first: the file's name)."""

    name: str
    names: tuple[str, ...]


def parse_hosts(spec: str, extra_names: tuple[str, ...] = DEFAULT_EXTRA_NAMES) -> list[Host]:
    """"portal,miner0+miner0-worker" -> portal.crt for portal, miner0.crt for miner0 and miner0-worker
    (a host's services under one certificate), each also valid for `extra_names`."""
    hosts = []
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        names = tuple(n.strip() for n in item.split("+") if n.strip())
        for name in names:
            _check_name(name)
        hosts.append(Host(names[0], tuple(dict.fromkeys(names + tuple(extra_names)))))
    if not hosts:
        raise ValueError("no host names given")
    if len({h.name for h in hosts}) != len(hosts) or CA_NAME in {h.name for h in hosts}:
        raise ValueError(f"each host name once, and none named {CA_NAME!r}")
    return hosts


def _check_name(name: str) -> None:
    if _ip(name) is None and not all(c.isalnum() or c in "-." for c in name):
        raise ValueError(f"{name!r} is not a host name or an IP address")


def _ip(name: str):
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def files_for(hosts: list[Host]) -> list[str]:
    return [f"{CA_NAME}.crt", f"{CA_NAME}.key"] + [f"{h.name}.{ext}" for h in hosts for ext in ("crt", "key")]


def make_test_certificates(out: Path, hosts: list[Host], *, force: bool = False) -> list[Path]:
    """Write a new CA and one certificate per host into `out`; the paths written. FileExistsError naming
    the first file that exists, unless `force`."""
    out.mkdir(parents=True, exist_ok=True)
    if not force:
        for name in files_for(hosts):
            if (out / name).exists():
                raise FileExistsError(str(out / name))
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "consortium-mpc local test CA")])
    ca_cert = (_builder(ca_name, ca_name, ca_key.public_key(), now, CA_DAYS)
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                            key_encipherment=False, data_encipherment=False,
                                            key_agreement=False, key_cert_sign=True, crl_sign=True,
                                            encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
               .sign(ca_key, hashes.SHA256()))
    written = [_write_key(out / f"{CA_NAME}.key", ca_key), _write_cert(out / f"{CA_NAME}.crt", ca_cert)]
    for host in hosts:
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host.name)])
        sans = [x509.IPAddress(ip) if (ip := _ip(n)) else x509.DNSName(n) for n in host.names]
        cert = (_builder(subject, ca_name, key.public_key(), now, HOST_DAYS)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.SubjectAlternativeName(sans), critical=False)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                               critical=False)
                .sign(ca_key, hashes.SHA256()))
        written += [_write_key(out / f"{host.name}.key", key), _write_cert(out / f"{host.name}.crt", cert)]
    return written


def _builder(subject, issuer, public_key, now, days) -> x509.CertificateBuilder:
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))  # a little clock skew between containers
            .not_valid_after(now + datetime.timedelta(days=days)))


def _write_key(path: Path, key) -> Path:
    data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
    path.unlink(missing_ok=True)  # a replaced key is a new file, created 0600 from the start
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return path


def _write_cert(path: Path, cert: x509.Certificate) -> Path:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    path.chmod(0o644)
    return path
