"""A new miner host's first command (`python -m miners.identity.skeleton`, `manage.py init_miner`): its
identity key and a Django secret key (0600), an env file with every variable a miner needs (TODO where the
host must fill), the fingerprint to read out, and what to do next; it never replaces an identity."""

import os
import subprocess
import sys

from consortium.contract import keys
from miners.identity.keys import parse_private_key
from tests.project.test_layering import ROOT


def init(tmp_path, *extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEPLOYMENT_", "SECRET_KEY", "MINER_"))}
    return subprocess.run([sys.executable, "-m", "miners.identity.skeleton", "--index", "2", "--url",
                           "https://miner2.example.org", "--portal-url", "https://portal.example.org",
                           "--dir", str(tmp_path / "etc"), *extra], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)


def test_it_works_from_nothing_and_writes_what_a_miner_needs(tmp_path):
    done = init(tmp_path)  # no settings at all: before it, a host has none
    assert done.returncode == 0, done.stderr
    etc = tmp_path / "etc"
    key = parse_private_key((etc / "identity.key").read_text())
    fingerprint = keys.fingerprint(keys.encode_public_key(key))
    assert fingerprint in done.stdout and "add_peer" in done.stdout and "register_with_portal" in done.stdout
    for name in ("identity.key", "django_secret_key", "miner.env"):
        assert (etc / name).stat().st_mode & 0o777 == 0o600
    env = (etc / "miner.env").read_text()
    for line in ("DEPLOYMENT_MODE=miner", "MINER_INDEX=2", "MINER_URL=https://miner2.example.org",
                 "PORTAL_URL=https://portal.example.org", f"MINER_IDENTITY_KEY_FILE={etc / 'identity.key'}",
                 f"SECRET_KEY_FILE={etc / 'django_secret_key'}", "ALLOWED_HOSTS=miner2.example.org"):
        assert line in env.splitlines(), line
    assert "# TODO" in env and "PORTAL_SECRET_FILE=" in env


def test_it_never_replaces_an_identity(tmp_path):
    assert init(tmp_path).returncode == 0
    before = (tmp_path / "etc" / "identity.key").read_text()
    again = init(tmp_path)
    assert again.returncode == 1 and "exists already" in again.stderr and "rotate_identity" in again.stderr
    assert (tmp_path / "etc" / "identity.key").read_text() == before
