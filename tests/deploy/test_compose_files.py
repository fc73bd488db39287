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
import shutil
import ssl
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from consortium.contract import keys
from consortium.localrun.processes import Services, free_port, private_key_b64
from consortium.ops.local_consortium import make_local_consortium

from .compose import DOCKER, ROOT, app_services, load, read_env_file, substitute, variables_used
from .processes import Host

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


IDENTITY_MOUNT = "/var/lib/consortium-mpc/identity/"


def test_a_miner_hosts_identity_key_is_on_a_writable_mount_for_rotation():
    compose = load(DOCKER / "miner-host.compose.yml", {"MINER_INDEX": "0", "MINER_HOSTNAME": "m",
                                                         "PORTAL_URL": "https://p"})
    for name in ("miner-web", "miner-worker"):
        service = compose["services"][name]
        assert service["environment"]["MINER_IDENTITY_KEY_FILE"].startswith(IDENTITY_MOUNT)
        mounts = [v for v in service.get("volumes") or [] if v.split(":")[1] == IDENTITY_MOUNT.rstrip("/")]
        assert mounts and not mounts[0].endswith(":ro"), f"{name}: the identity directory is not mounted rw"


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_every_secret_is_passed_as_a_file(path):
    for service, env in _environments(path):
        for name in SECRET_VARIABLES & env.keys():
            # a URL with no password in it (Redis on the host's private network) holds no secret
            assert re.match(r"^redis://[^:@/]+(:\d+)?/\d+$", env[name]), \
                f"{service}: {name} is not {name}_FILE"
        for name, value in env.items():
            if name == "MINER_IDENTITY_KEY_FILE" and value.startswith(IDENTITY_MOUNT):
                continue  # a directory of its own, read-write: rotate_identity rewrites the key in place
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
                        "portal_secret": secrets.token_urlsafe(32)}.items():
        write_secret(secrets_dir, name, value)
    identity_dir = tmp_path / "identity"
    identity_dir.mkdir(mode=0o700)
    write_secret(identity_dir, "identity.key", private_key_b64(identity))
    values = {**read_env_file(Path(__file__).parent / "miner-host.test.env"), "SECRETS_DIR": str(secrets_dir),
              "IDENTITY_DIR": str(identity_dir)}
    compose = load(DOCKER / "miner-host.compose.yml", values)
    peer_port = free_port()
    # a database number no other test uses: a queue left over by another test's portal is not this worker's
    redis = services.redis_url.rsplit("/", 1)[0].removeprefix("redis://")
    host = Host(compose, DOCKER, tmp_path,
                {"redis:6379/0": f"{redis}/9", "0.0.0.0:8101": f"127.0.0.1:{peer_port}"})
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
    miner_host.wait_healthy(["miner-web"], deadline)
    miner_host.start("miner-worker")
    miner_host.wait_healthy(["miner-worker"], deadline)

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


# --- The whole test consortium, TLS from its private CA -------------------------------------------------

PARTIES = ["portal", "miner0", "miner1", "miner2"]


@pytest.fixture
def consortium(services, tmp_path):
    local = tmp_path / "local"
    values = make_local_consortium(local)  # what its operator runs first, writing the --env-file
    assert read_env_file(local / ".env") == values
    redis = services.redis_url.rsplit("/", 1)[0].removeprefix("redis://")
    replacements = {}
    for number, party in enumerate(PARTIES):
        services.create_database(f"deploy_{party}")
        (local / "secrets" / f"{party}_database_url").write_text(services.database_url(f"deploy_{party}"))
        # a Redis server each in compose; here one server, a database number each
        replacements[f"{party}-redis:6379/0"] = f"{redis}/{10 + number}"
    host = Host(load(DOCKER / "consortium.compose.yml", values), DOCKER, tmp_path, replacements)
    host.ports = {party: free_port() for party in PARTIES}
    replacements["portal:8000"] = f"127.0.0.1:{host.ports['portal']}"
    host.peer_ports = {}
    for i in range(3):
        host.peer_ports[i] = free_port()
        replacements[f"miner{i}:801{i}"] = f"127.0.0.1:{host.ports[f'miner{i}']}"
        replacements[f"miner{i}-worker:811{i}"] = f"127.0.0.1:{host.peer_ports[i]}"
        replacements[f"0.0.0.0:811{i}"] = f"127.0.0.1:{host.peer_ports[i]}"
    host.ca, host.local = local / "certs" / "ca.crt", local
    try:
        yield host
    finally:
        host.stop()


def test_the_test_consortium_comes_up_over_tls_and_its_miners_compute_together(consortium):
    deadline = time.monotonic() + START_SECONDS
    for party in PARTIES:
        consortium.start(party)
    consortium.wait_healthy(PARTIES, deadline)
    workers = ["portal-worker", "miner0-worker", "miner1-worker", "miner2-worker"]
    for name in [*workers, "portal-beat"]:
        consortium.start(name)
    consortium.wait_healthy(workers, deadline)  # the portal worker's is a Celery ping
    assert consortium.processes["portal-beat"].poll() is None

    tls = ssl.create_default_context(cafile=str(consortium.ca))  # the private CA, host names checked
    for i in range(3):
        url = f"https://127.0.0.1:{consortium.ports[f'miner{i}']}/api/health"
        with urllib.request.urlopen(url, timeout=10, context=tls) as response:
            health = json.load(response)
        # each miner reached both peers over https, trusting the CA through SSL_CERT_FILE
        assert (health["miner_index"], health["status"]) == (i, "ok"), health
        assert set(health["peers"].values()) == {"ok"}
        with connect(f"wss://127.0.0.1:{consortium.peer_ports[i]}/peer/ws", ssl=tls, open_timeout=10) as ws:
            ws.send(b"not a hello")
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    ws.recv(timeout=10)
        assert closed.value.rcvd.code == 4403
    with pytest.raises(OSError):  # and nothing answers in plain http
        urllib.request.urlopen(f"http://127.0.0.1:{consortium.ports['portal']}/healthz", timeout=5)

    # A run with nothing to compute, started at the three miners as the portal starts one: each worker
    # connects to its peers over wss:// (the private CA) and completes the handshake on the pinned keys.
    run_id = str(uuid.uuid4())
    body = json.dumps({"run_id": run_id, "period": 1, "ring": 32, "columns": [], "analyses": []}).encode()
    for i in range(3):
        assert call(consortium, tls, i, "/api/runs", body) == (202, {"accepted": True})
    deadline = time.monotonic() + 60
    states = {}
    while time.monotonic() < deadline:
        states = {i: call(consortium, tls, i, f"/api/runs/{run_id}")[1] for i in range(3)}
        if all(state["state"] in ("done", "failed") for state in states.values()):
            break
        time.sleep(0.5)
    assert [state["state"] for state in states.values()] == ["done"] * 3, states


def call(consortium, tls, i: int, path: str, body: bytes | None = None) -> tuple[int, dict]:
    """The portal's call to miner i, with the secret of their pair."""
    secret = (consortium.local / "secrets" / f"miner{i}_portal_secret").read_text().strip()
    request = urllib.request.Request(f"https://127.0.0.1:{consortium.ports[f'miner{i}']}{path}", data=body,
                                     headers={"Authorization": f"Portal {secret}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10, context=tls) as response:
        return response.status, json.load(response)


# --- The reverse proxy's example configuration -----------------------------------------------------------

CADDYFILE = DOCKER / "reverse-proxy" / "Caddyfile"


def block(text: str, opener: str) -> str:
    """The Caddyfile block that `opener` opens (one tab deep), up to its closing brace."""
    start = text.index("\t" + opener + "\n")
    return text[start:text.index("\n\t}\n", start)]


def test_the_reverse_proxy_forwards_to_the_ports_the_miner_host_publishes():
    text = CADDYFILE.read_text()
    services = load(DOCKER / "miner-host.compose.yml")["services"]
    web, peer = (substitute(services[name]["ports"][0], {}) for name in ("miner-web", "miner-worker"))
    assert (web, peer) == ("127.0.0.1:8000:8000", "127.0.0.1:8101:8101")  # the env's defaults
    assert "reverse_proxy 127.0.0.1:{$MINER_PEER_PORT:8101}" in block(text, "handle @peers {")
    for served in ("/api/*", "/healthz", "/status", "/metrics"):  # what README and docs send people to
        assert "reverse_proxy 127.0.0.1:{$MINER_WEB_PORT:8000}" in block(text, f"handle {served} {{")
    assert "path /peer/ws" in block(text, "@peers {")
    configuration = re.sub(r"#[^\n]*", "", text)
    assert set(re.findall(r"\{\$([A-Z_]+)", configuration)) <= documented()


def test_caddy_accepts_the_reverse_proxy_configuration(tmp_path):
    caddy = shutil.which("caddy")
    if caddy is None:
        if os.environ.get("CI") == "true":
            pytest.fail("caddy is not installed: scripts/ensure-system-packages.sh installs it")
        pytest.skip("caddy is not installed (Debian: apt-get install caddy)")
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path),
           "XDG_CONFIG_HOME": str(tmp_path),
           **read_env_file(Path(__file__).parent / "miner-host.test.env"),
           "MINER_HOSTNAME": "miner0.example.org", "MINER_PEER_ADDRESSES": "198.51.100.11 203.0.113.12"}
    done = subprocess.run([caddy, "validate", "--config", str(CADDYFILE), "--adapter", "caddyfile"], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
