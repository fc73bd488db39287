"""What the image does when it is built and started, run here without Docker: its build step (static files
collected with the production settings), the files it copies, and the entrypoint's roles."""

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from .compose import DOCKER, ROOT

DOCKERFILE = (DOCKER / "Dockerfile").read_text()


def entrypoint(*args, **env):
    base = {"PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "LANG": "C.UTF-8",
            "DEPLOYMENT_ENV": "dev"}
    return subprocess.run(["sh", str(DOCKER / "entrypoint.sh"), *args], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=120, check=False)


def test_the_image_copies_every_package_and_every_directory_the_settings_read():
    copied = set(re.findall(r"^COPY\s+(?:--\S+\s+)*(\S+)\s+\./\1$", DOCKERFILE, re.M))
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    assert {name.rstrip("*") for name in packages["include"]} <= copied
    assert {"templates", "static", "locale"} <= copied  # TEMPLATES DIRS, STATICFILES_DIRS, LOCALE_PATHS


def test_the_build_step_collects_the_static_files_with_the_production_settings(tmp_path):
    run = re.search(r"^RUN pip install -e \. \\\n((?:.*\\\n)*.*collectstatic.*)$", DOCKERFILE, re.M).group(1)
    command = re.sub(r"\\\n", " ", run).strip().removeprefix("&&").strip()
    # the build's environment: the Dockerfile's ENV and nothing else (STATIC_ROOT: here, not /app/staticfiles)
    env = {"PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "LANG": "C.UTF-8",
           "STATIC_ROOT": str(tmp_path),
           **dict(re.findall(r"(\w+)=(\S+)", re.search(r"^ENV ((?:.*\\\n)*.*)$", DOCKERFILE, re.M).group(1)))}
    done = subprocess.run(["sh", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "staticfiles.json").exists()  # the manifest WhiteNoise serves hashed names from
    assert list(tmp_path.glob("js/sharing.*.js"))


def test_manage_runs_a_management_command_in_either_mode():
    for mode in ({"DEPLOYMENT_MODE": "portal"}, {"DEPLOYMENT_MODE": "miner", "MINER_INDEX": "1"}):
        done = entrypoint("manage", "help", "make_test_certificates", **mode)
        assert done.returncode == 0, done.stderr
        assert "--hosts" in done.stdout


@pytest.mark.parametrize(("role", "mode"), [("portal", "miner"), ("miner-web", "portal"),
                                            ("miner-worker", "portal"), ("portal-worker", "miner")])
def test_a_role_refuses_a_contradicting_deployment_mode(role, mode):
    done = entrypoint(role, DEPLOYMENT_MODE=mode)
    assert done.returncode == 2
    assert f"role {role} needs DEPLOYMENT_MODE=" in done.stderr


def test_no_role_is_an_error_that_names_the_roles():
    done = entrypoint()
    assert done.returncode == 2
    assert "portal, portal-worker, portal-beat, miner-web, miner-worker, manage" in done.stderr


def test_a_miner_web_role_stops_on_a_failed_system_check_before_serving():
    done = entrypoint("miner-web", DEPLOYMENT_ENV="production", SECRET_KEY="x" * 50, ALLOWED_HOSTS="m",
                      MINER_INDEX="0")
    assert done.returncode != 0
    assert "consortium.E010" in done.stderr


def test_manage_creates_a_miners_identity_as_the_miner_host_compose_file_says(tmp_path):
    recipe = re.search(r"-e (DEPLOYMENT_ENV=\S+) \\\n#\s+-e (DEPLOYMENT_MODE=\S+) -e (MINER_INDEX=\S+) \S+ "
                       r"manage create_identity /out/(\S+)", (DOCKER / "miner-host.compose.yml").read_text())
    env = dict(item.split("=") for item in recipe.groups()[:3])
    done = entrypoint("manage", "create_identity", str(tmp_path / recipe.group(4)), **env)
    assert done.returncode == 0, done.stderr
    assert "fingerprint:" in done.stdout
    # the file the compose file's MINER_IDENTITY_KEY_FILE names, in its mounted directory
    assert recipe.group(4) == "identity.key"
    assert (tmp_path / "identity.key").stat().st_mode & 0o077 == 0
