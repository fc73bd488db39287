"""`manage.py --env-file FILE run_miner` on the production shape (PostgreSQL and Redis, from the first join
command's --database-url and --redis-url): checks and migrations, then the web process and the Celery worker
that serves /peer/ws on MINER_PEER_LISTEN; SIGTERM stops both. Without a broker: the web process alone."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from consortium.contract import keys
from consortium.localrun.processes import free_port

from .test_joining import ROOT, base_env

START_SECONDS = 90
SECRET = "p" * 40  # noqa: S105 - a test value


def dev_machine_env() -> dict[str, str]:
    return {**base_env(), "DEPLOYMENT_ENV": "dev"}  # plain http on loopback


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - loopback
            return response.status == 200
    except OSError:
        return False


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def init(conf, port: int, *store: str) -> None:
    done = subprocess.run([sys.executable, "-m", "miners.identity.skeleton", "--index", "2", "--url",
                           f"http://127.0.0.1:{port}", "--portal-url", "http://127.0.0.1:9",
                           "--dir", str(conf),
                           *store], cwd=ROOT, env=dev_machine_env(), input=SECRET + "\n",
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def peers_env() -> dict[str, str]:
    """Two peers as settings (their pins, as `add_peer` makes them before `run_miner` in the walk-through)."""
    env = {}
    for j in (0, 1):
        env[f"MINER_PEER_{j}_URL"] = f"http://127.0.0.1:{free_port()}"
        env[f"MINER_PEER_{j}_PUBLIC_KEY"] = keys.encode_public_key(Ed25519PrivateKey.generate())
    return env


def run_miner(conf, port: int, log) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "manage.py", "--env-file", str(conf / "miner.env"), "run_miner",
                             "--port", str(port)], cwd=ROOT, env={**dev_machine_env(), **peers_env()},
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait(condition, process, what: str, log_path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while not condition():
        assert process.poll() is None, f"run_miner ended before {what}:\n{log_path.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"no {what}:\n{log_path.read_text()[-3000:]}"
        time.sleep(0.2)


def stopped(process) -> int:
    os.kill(process.pid, signal.SIGTERM)
    try:
        return process.wait(40)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


def test_with_postgresql_and_redis_it_runs_the_web_process_and_the_worker(services, tmp_path):
    port, peer_port = free_port(), free_port()
    services.create_database("run_miner_test")
    conf = tmp_path / "conf"
    init(conf, port, "--database-url", services.database_url("run_miner_test"),
         "--redis-url", services.redis_db_url(9), "--peer-listen", f"127.0.0.1:{peer_port}")
    env = (conf / "miner.env").read_text()
    assert "REDIS_URL=" in env and f"MINER_PEER_LISTEN=127.0.0.1:{peer_port}" in env and "postgres://" in env
    log_path = tmp_path / "run_miner.log"
    with open(log_path, "ab") as log:
        process = run_miner(conf, port, log)
        try:
            wait(lambda: answers(f"http://127.0.0.1:{port}/healthz"), process, "web process", log_path)
            wait(lambda: listening(peer_port), process, "worker serving /peer/ws", log_path)
            assert "web (pid" in log_path.read_text() and "worker (pid" in log_path.read_text()
        finally:
            code = stopped(process)
    assert code == 0
    assert not listening(port) and not listening(peer_port)  # both processes ended with it


def test_without_a_broker_it_is_one_process_and_ends_with_the_web_process(tmp_path):
    port = free_port()
    conf = tmp_path / "conf"
    init(conf, port)
    log_path = tmp_path / "run_miner.log"
    with open(log_path, "ab") as log:
        process = run_miner(conf, port, log)
        try:
            wait(lambda: answers(f"http://127.0.0.1:{port}/healthz"), process, "web process", log_path)
            assert "worker (pid" not in log_path.read_text()
            web_pid = int(log_path.read_text().split("web (pid ")[1].split(")")[0])
            os.kill(web_pid, signal.SIGKILL)  # the web process dies: run_miner ends, not lingers
            assert process.wait(30) != 0
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)


@pytest.mark.parametrize("url", ["http://miner3.example.org"])
def test_plain_http_is_refused_outside_a_test_machine(tmp_path, url):
    env = base_env()
    done = subprocess.run([sys.executable, "-m", "miners.identity.skeleton", "--index", "2", "--url", url,
                           "--portal-url", "https://portal.example.org", "--dir", str(tmp_path / "c")],
                          cwd=ROOT, env=env, input=SECRET + "\n", capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "must be an https:// base URL" in done.stderr
    assert not (tmp_path / "c" / "identity.key").exists()
