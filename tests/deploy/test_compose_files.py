"""The Docker set-up cannot rot: Docker does not run on these machines, so these tests read the compose
files and the Dockerfile themselves. Static checks (every variable documented, every secret a file, a
non-root image with a health check), and the miner host of docker/miner-host.compose.yml started as
Compose would start it (its commands through docker/entrypoint.sh, its environment as written, its
${VARIABLES} from tests/deploy/miner-host.test.env, its secrets as files) on a real PostgreSQL and Redis
from scripts/with-services.sh: skipped without them on a developer's machine, failed under CI=true."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import suppress
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from consortium.contract import keys
from consortium.localrun.processes import Services, free_port, private_key_b64

from .compose import DOCKER, ROOT, app_services, load, read_env_file, service_secrets, variables_used

COMPOSE_FILES = sorted(DOCKER.glob("*.compose.yml"))
SETTINGS = (ROOT / "consortium" / "settings.py").read_text()
START_SECONDS = 90


def _names(pattern: str) -> set[str]:
    """Variable names read by settings.py with the given readers; f"MINER_{i}_..." for i = 0, 1, 2."""
    found = set()
    for name in re.findall(rf'(?:{pattern})\(f?"([A-Z][A-Z0-9_{{}}ij]*)"', SETTINGS):
        found |= {re.sub(r"\{[ij]\}", str(n), name) for n in range(3)} if "{" in name else {name}
    return found


SETTINGS_VARIABLES = _names("envbool|envint|envstr|envemail|envchoice|envlist|envsecret") | {"LOG_LEVEL"}
SECRET_VARIABLES = _names("envsecret")


def documented() -> set[str]:
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (DOCKER / "env.example").read_text(), re.M))


def test_the_settings_are_found_by_the_pattern():
    assert {"SECRET_KEY", "MINER_2_SECRET", "MINER_PEER_0_CHANNEL_URL", "LOG_LEVEL"} <= SETTINGS_VARIABLES
    assert {"SECRET_KEY", "DATABASE_URL", "PORTAL_SECRET", "MINER_IDENTITY_KEY"} <= SECRET_VARIABLES


def test_env_example_documents_every_variable_the_settings_read():
    assert SETTINGS_VARIABLES - documented() == set()


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_env_example_documents_every_variable_the_compose_file_uses(path):
    assert variables_used(path) - documented() == set()


def _environments(path):
    compose = load(path)
    for name, service in app_services(compose).items():
        yield name, {k: str(v) for k, v in (service.get("environment") or {}).items()}


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_every_secret_is_passed_as_a_file(path):
    for service, env in _environments(path):
        for name in SECRET_VARIABLES & env.keys():
            # a URL with no password in it (Redis on the host's private network) holds no secret
            assert re.match(r"^redis://[^:@/]+(:\d+)?/\d+$", env[name]), \
                f"{service}: {name} is not {name}_FILE"
        for name, value in env.items():
            if name.endswith("_FILE") and name[:-5] in SECRET_VARIABLES:
                assert value.startswith("/run/secrets/"), f"{service}: {name} is not a Docker secret"


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_every_service_names_a_role_of_the_entrypoint(path):
    roles = set(re.findall(r"^  ([a-z-]+)\)$", (DOCKER / "entrypoint.sh").read_text(), re.M))
    for name, service in app_services(load(path)).items():
        assert service["command"][0] in roles, name


def test_the_image_runs_as_a_non_root_user_with_a_health_check_and_no_secret():
    dockerfile = (DOCKER / "Dockerfile").read_text()
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK\s+.*CMD", dockerfile, re.M)
    assert not re.search(r"^(ENV|ARG)\s+.*(SECRET|PASSWORD|_KEY)", dockerfile, re.M)


# --- The miner host, started as Compose would ----------------------------------------------------------

@pytest.fixture(scope="module")
def services() -> Services:
    found = Services.from_environment()
    if found is None:
        message = "PostgreSQL and Redis are not running: run these tests under scripts/with-services.sh"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


class Host:
    """The app services of one compose file as processes, each with the environment Compose gives it,
    the container's host names and ports mapped to 127.0.0.1."""

    def __init__(self, compose: dict, base: Path, directory: Path, replacements: dict[str, str]):
        self.compose, self.base, self.directory = compose, base, directory
        self.replacements = replacements
        self.processes: dict[str, subprocess.Popen] = {}
        self.ports: dict[str, int] = {}

    def env(self, name: str) -> dict[str, str]:
        service = self.compose["services"][name]
        env = {"PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "HOME": str(self.directory),
               "LANG": "C.UTF-8", "HOSTNAME": socket.gethostname(), "PYTHONUNBUFFERED": "1"}
        mounts = service_secrets(self.compose, service, self.base)
        for key, value in (service.get("environment") or {}).items():
            value = str(value)
            for container, local in {**mounts, **self.replacements}.items():
                value = value.replace(container, str(local))
            env[key] = value
        if name in self.ports:
            env["PORT"] = str(self.ports[name])  # what Docker's port mapping does for the web role
        return env

    def start(self, name: str) -> None:
        log = open(self.directory / f"{name}.log", "ab")  # noqa: SIM115 - the process keeps it
        command = ["sh", str(DOCKER / "entrypoint.sh"), *self.compose["services"][name]["command"]]
        self.processes[name] = subprocess.Popen(command, cwd=ROOT, env=self.env(name), stdout=log,
                                                stderr=subprocess.STDOUT, start_new_session=True)

    def healthcheck(self, name: str) -> list[str]:
        """The service's Docker health check: the compose file's, else the Dockerfile's (web)."""
        test = (self.compose["services"][name].get("healthcheck") or {}).get("test") or ["CMD", "healthcheck",
                                                                                         "web"]
        assert test[0] == "CMD" and test[1] == "healthcheck"
        return [sys.executable, str(DOCKER / "healthcheck.py"), *test[2:]]

    def wait_healthy(self, name: str, deadline: float) -> None:
        while subprocess.run(self.healthcheck(name), env=self.env(name), capture_output=True,  # noqa: S603
                             timeout=10, check=False).returncode != 0:
            if self.processes[name].poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{name} is not healthy; its log:\n{self.log(name)}")
            time.sleep(0.3)

    def log(self, name: str) -> str:
        return (self.directory / f"{name}.log").read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        for process in self.processes.values():
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


def write_secret(directory: Path, name: str, value: str) -> None:
    path = directory / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(value + "\n")


@pytest.fixture
def miner_host(services, tmp_path):
    identity = Ed25519PrivateKey.generate()
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir(mode=0o700)
    services.create_database("deploy_miner_host")
    for name, value in {"secret_key": secrets.token_urlsafe(50),
                        "postgres_password": secrets.token_urlsafe(24),
                        "database_url": services.database_url("deploy_miner_host"),
                        "portal_secret": secrets.token_urlsafe(32),
                        "identity_key": private_key_b64(identity)}.items():
        write_secret(secrets_dir, name, value)
    values = {**read_env_file(Path(__file__).parent / "miner-host.test.env"), "SECRETS_DIR": str(secrets_dir)}
    compose = load(DOCKER / "miner-host.compose.yml", values)
    peer_port = free_port()
    redis = services.redis_url.rsplit("/", 1)[0].removeprefix("redis://")
    host = Host(compose, DOCKER, tmp_path, {"redis:6379": redis, "0.0.0.0:8101": f"127.0.0.1:{peer_port}"})
    host.ports["miner-web"] = free_port()
    host.peer_port, host.public_key = peer_port, keys.encode_public_key(identity)
    try:
        yield host
    finally:
        host.stop()


def test_the_miner_host_comes_up_healthy_and_serves_the_peer_channel(miner_host):
    deadline = time.monotonic() + START_SECONDS
    # in the order of depends_on: the worker waits for the web role's health (it has migrated)
    assert miner_host.compose["services"]["miner-worker"]["depends_on"]["miner-web"]["condition"] == \
        "service_healthy"
    miner_host.start("miner-web")
    miner_host.wait_healthy("miner-web", deadline)
    miner_host.start("miner-worker")
    miner_host.wait_healthy("miner-worker", deadline)

    request = urllib.request.Request(f"http://127.0.0.1:{miner_host.ports['miner-web']}/api/health")
    with urllib.request.urlopen(request, timeout=10) as response:
        health = json.load(response)
    assert health["miner_index"] == 0
    assert health["key_fingerprint"] == keys.fingerprint(miner_host.public_key)
    assert health["peers"] == {"1": "unreachable", "2": "unreachable"}  # the test env's silent peers

    # The worker's /peer/ws runs the handshake with this miner's key and pinned peers: a stranger is refused.
    with connect(f"ws://127.0.0.1:{miner_host.peer_port}/peer/ws", open_timeout=10) as ws:
        ws.send(b"not a hello")
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(timeout=10)
    assert closed.value.rcvd.code == 4403
