"""`Cluster`: the portal and the three miners as separate processes on 127.0.0.1.

Two kinds:
  embedded  SQLite each, tasks in-process, in-memory channel layer: four uvicorn processes, nothing to
            install (what `make demo` runs); each miner's ASGI process serves its /peer/ws;
  services  PostgreSQL (a database each) and Redis (a database number each: a party's queue is its own)
            from `Services`; each party also runs a Celery worker, and each miner's worker serves
            /peer/ws on a port of its own (MINER_PEER_LISTEN), which its peers dial directly.
Every party gets fresh secrets and keys in its own directory (0600 files); nothing listens beyond
loopback, and `stop()` (also on leaving the `with`) ends every process it started.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from consortium.contract.keys import encode_public_key

ROOT = Path(__file__).resolve().parents[2]
MINERS = 3
START_SECONDS = 60.0
STOP_SECONDS = 10.0
# The peer endpoint's websocket limits (miners/peering/consumer.py uvicorn_options): no deflate, a
# message just over one record.
PEER_WS_FLAGS = ["--ws-max-size", "1114168", "--ws-per-message-deflate", "false"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@dataclass(frozen=True)
class Services:
    """A running PostgreSQL (superuser, trust on loopback) and Redis: `from_environment()` reads what
    scripts/with-services.sh exports."""

    pg_host: str
    pg_port: int
    pg_user: str
    redis_url: str  # redis://host:port[/db]; each party gets a database number of its own

    @classmethod
    def from_environment(cls) -> Services | None:
        env = os.environ
        if not (env.get("PGHOST") and env.get("PGPORT") and env.get("REDIS_URL")):
            return None
        return cls(env["PGHOST"], int(env["PGPORT"]), env.get("PGUSER", "postgres"), env["REDIS_URL"])

    def database_url(self, name: str) -> str:
        return f"postgres://{self.pg_user}@{self.pg_host}:{self.pg_port}/{name}"

    def redis_db_url(self, number: int) -> str:
        base = self.redis_url.rsplit("/", 1)[0] if self.redis_url.count("/") > 2 else self.redis_url
        return f"{base}/{number}"

    def create_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.database_url("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')


@dataclass
class Party:
    """One party's settings and processes."""

    name: str  # "portal", "miner0", ...
    env: dict[str, str]
    port: int
    peer_port: int | None = None  # a miner's worker's /peer/ws (services kind)
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Cluster:
    def __init__(self, directory: Path, services: Services | None = None, *, log_level: str = "WARNING",
                 extra_env: dict[str, str] | None = None, portal_port: int | None = None):
        self.directory, self.services = Path(directory), services
        self.directory.mkdir(parents=True, exist_ok=True)
        self.log_level = log_level
        self.keys = [Ed25519PrivateKey.generate() for _ in range(MINERS)]
        self.secrets = [secrets.token_urlsafe(32) for _ in range(MINERS)]
        self.portal = Party("portal", {}, portal_port or free_port())
        self.miners = [Party(f"miner{i}", {}, free_port(), free_port() if services else None)
                       for i in range(MINERS)]
        self._extra = extra_env or {}
        self.portal.env = self._portal_env()
        for i, miner in enumerate(self.miners):
            miner.env = self._miner_env(i)

    @property
    def parties(self) -> list[Party]:
        return [self.portal, *self.miners]

    # -- settings --------------------------------------------------------------------------------
    def _base_env(self, party: Party, redis_db: int) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("MINER_", "PORTAL_", "DATABASE_URL", "REDIS_URL", "CELERY_", "DJANGO_"))}
        env.update({"DEPLOYMENT_ENV": "dev", "LOG_LEVEL": self.log_level, "PYTHONUNBUFFERED": "1",
                    "ALLOWED_HOSTS": "127.0.0.1,localhost"})
        if self.services:
            env["DATABASE_URL"] = self.services.database_url(f"consortium_{party.name}")
            env["REDIS_URL"] = self.services.redis_db_url(redis_db)
        else:
            env["DATABASE_URL"] = f"sqlite:///{self.directory / party.name}.sqlite3"
        return env

    def _portal_env(self) -> dict[str, str]:
        env = self._base_env(self.portal, 0)
        env["DEPLOYMENT_MODE"] = "portal"
        for i, miner in enumerate(self.miners):
            env[f"MINER_{i}_URL"] = miner.url
            env[f"MINER_{i}_SECRET_FILE"] = str(self._secret_file(f"portal-miner{i}.secret", self.secrets[i]))
            env[f"MINER_{i}_PUBLIC_KEY"] = encode_public_key(self.keys[i])
        env.update(self._extra)
        return env

    def _miner_env(self, i: int) -> dict[str, str]:
        miner = self.miners[i]
        env = self._base_env(miner, 1 + i)
        env.update({"DEPLOYMENT_MODE": "miner", "MINER_INDEX": str(i), "PORTAL_URL": self.portal.url,
                    "PORTAL_SECRET_FILE": str(self._secret_file(f"miner{i}-portal.secret", self.secrets[i])),
                    "MINER_IDENTITY_KEY_FILE": str(self._secret_file(f"miner{i}.key",
                                                                     private_key_b64(self.keys[i])))})
        if miner.peer_port:
            env["MINER_PEER_LISTEN"] = f"127.0.0.1:{miner.peer_port}"
        for j, peer in enumerate(self.miners):
            if j == i:
                continue
            env[f"MINER_PEER_{j}_URL"] = peer.url
            env[f"MINER_PEER_{j}_PUBLIC_KEY"] = encode_public_key(self.keys[j])
            if peer.peer_port:
                env[f"MINER_PEER_{j}_CHANNEL_URL"] = f"ws://127.0.0.1:{peer.peer_port}/peer/ws"
        env.update(self._extra)
        return env

    def _secret_file(self, name: str, value: str) -> Path:
        path = self.directory / name
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(value + "\n")
        return path

    # -- processes -------------------------------------------------------------------------------
    def manage(self, party: Party, *args: str, timeout: float = 300) -> str:
        """`manage.py args...` in the party's settings; its standard output (raises on failure)."""
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT,  # noqa: S603 - our own
                              env=party.env, timeout=timeout, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{party.name}: manage.py {args[0]} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def start(self) -> Cluster:
        try:
            for party in self.parties:
                if self.services:
                    self.services.create_database(f"consortium_{party.name}")
                self.manage(party, "migrate", "--noinput")
            for party in self.parties:
                self.start_party(party)
            self.wait_until_up()
        except BaseException:
            self.stop()
            raise
        return self

    def start_party(self, party: Party) -> None:
        """Start the party's processes (again, after `stop_party`)."""
        log = open(self.directory / f"{party.name}.log", "ab")  # noqa: SIM115 - the process keeps it
        server = [sys.executable, "-m", "uvicorn", "consortium.asgi:application", "--host", "127.0.0.1",
                  "--port", str(party.port), "--log-level", "warning"]
        if party is not self.portal:
            server += PEER_WS_FLAGS
        party.processes = [self._spawn(server, party, log)]
        if self.services:
            worker = [sys.executable, "-m", "celery", "-A", "consortium", "worker", "--loglevel", "WARNING",
                      "--pool", "solo", "--without-gossip", "--without-mingle", "--without-heartbeat",
                      "-n", f"{party.name}@%h"]
            party.processes.append(self._spawn(worker, party, log))

    @staticmethod
    def _spawn(command, party: Party, log) -> subprocess.Popen:
        return subprocess.Popen(command, cwd=ROOT, env=party.env, stdout=log,  # noqa: S603 - our own
                                stderr=subprocess.STDOUT, start_new_session=True)

    def wait_until_up(self, parties: list[Party] | None = None, timeout: float = START_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        for party in parties or self.parties:
            while not _answers(party.url + "/healthz"):
                dead = [p for p in party.processes if p.poll() is not None]
                if dead or time.monotonic() > deadline:
                    raise RuntimeError(f"{party.name} did not start; its log:\n{self.log_tail(party)}")
                time.sleep(0.1)
            if self.services and party.peer_port:
                _wait_for_port(party.peer_port, deadline, party, self)

    def log_tail(self, party: Party, chars: int = 4000) -> str:
        path = self.directory / f"{party.name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else "(no log)"

    def kill_party(self, party: Party, sig: int = signal.SIGKILL) -> None:
        """End the party's processes at once (a crash: no clean shut-down)."""
        for process in party.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
        for process in party.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(STOP_SECONDS)

    def stop_party(self, party: Party) -> None:
        self.kill_party(party, signal.SIGTERM)
        self.kill_party(party, signal.SIGKILL)
        party.processes = []

    def stop(self) -> None:
        for party in self.parties:
            self.stop_party(party)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - our own loopback URL
            return response.status == 200
    except OSError:
        return False


def _wait_for_port(port: int, deadline: float, party: Party, cluster: Cluster) -> None:
    while True:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        if time.monotonic() > deadline or any(p.poll() is not None for p in party.processes):
            raise RuntimeError(f"{party.name}'s worker is not serving /peer/ws; its log:\n"
                               f"{cluster.log_tail(party)}")
        time.sleep(0.1)


def private_key_b64(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())).decode()

