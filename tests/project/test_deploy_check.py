"""`manage.py check --deploy` passes with production settings (deploy_check.env), in both deployment
modes, with no warning at all (security or other): run as a separate process, as an operator would."""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = Path(__file__).resolve().parents[2]
ENV_FILE = Path(__file__).with_name("deploy_check.env")


def production_env(tmp_path, **extra):
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"}
    for line in ENV_FILE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, value = line.split("=", 1)
            env[key] = value
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'deploy-check.sqlite3'}"
    return {**env, **extra}


def check_deploy(env):
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    return result, result.stdout + result.stderr


def miner_env(tmp_path) -> dict:
    """Miner 0 as its operator configures it: its portal, its key (from a file), its two peers, the broker
    (nothing is contacted by `check`) and where its worker serves the peer channel."""
    key = tmp_path / "identity.key"
    key.write_text(base64.b64encode(Ed25519PrivateKey.generate().private_bytes_raw()).decode())
    env = {"DEPLOYMENT_MODE": "miner", "MINER_INDEX": "0", "PORTAL_URL": "https://portal.example.org",
           "PORTAL_SECRET": "p" * 43, "MINER_IDENTITY_KEY_FILE": str(key),
           "REDIS_URL": "redis://127.0.0.1:6379/0", "MINER_PEER_LISTEN": "127.0.0.1:8101"}
    for j in (1, 2):
        env[f"MINER_PEER_{j}_URL"] = f"https://miner{j}.example.org"
        env[f"MINER_PEER_{j}_PUBLIC_KEY"] = base64.b64encode(
            Ed25519PrivateKey.generate().public_key().public_bytes_raw()).decode()
    return env


@pytest.mark.parametrize("mode", ["portal", "miner"])
def test_check_deploy_passes_with_production_settings(tmp_path, mode):
    extra = miner_env(tmp_path) if mode == "miner" else {"DEPLOYMENT_MODE": "portal"}
    result, output = check_deploy(production_env(tmp_path, **extra))
    assert result.returncode == 0, output
    # no warning of any kind; the portal's one silenced check is axes.W002 (settings: its middleware by name)
    silenced = 1 if mode == "portal" else 0
    assert f"System check identified no issues ({silenced} silenced)." in output, output


def test_check_deploy_refuses_a_miner_without_its_portal_key_and_peers(tmp_path):
    result, output = check_deploy(production_env(tmp_path, DEPLOYMENT_MODE="miner", MINER_INDEX="0"))
    assert result.returncode != 0
    for name in ("PORTAL_URL", "PORTAL_SECRET", "MINER_IDENTITY_KEY", "MINER_PEER_1_URL",
                 "MINER_PEER_2_PUBLIC_KEY"):
        assert f"{name} " in output, output


def test_check_deploy_warns_without_https(tmp_path):
    env = production_env(tmp_path, SECURE_SSL_REDIRECT="false", SECURE_HSTS_SECONDS="0")
    _result, output = check_deploy(env)
    assert "security.W008" in output and "security.W004" in output
