"""`manage.py check --deploy` passes with production settings (deploy_check.env), in both deployment
modes, with no warning at all (security or other): run as a separate process, as an operator would."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

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


@pytest.mark.parametrize("mode", [{"DEPLOYMENT_MODE": "portal"},
                                  {"DEPLOYMENT_MODE": "miner", "MINER_INDEX": "0"}], ids=["portal", "miner"])
def test_check_deploy_passes_with_production_settings(tmp_path, mode):
    result, output = check_deploy(production_env(tmp_path, **mode))
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output, output  # no warning of any kind


def test_check_deploy_warns_without_https(tmp_path):
    env = production_env(tmp_path, SECURE_SSL_REDIRECT="false", SECURE_HSTS_SECONDS="0")
    _result, output = check_deploy(env)
    assert "security.W008" in output and "security.W004" in output
