"""A real portal process on a SQLite file, for the concurrent-writers tests.

In-memory SQLite (the test database) never shows "database is locked": only a file shared by
several connections does. So the test seeds a fresh file in a subprocess (`python -m
tests.portal.pages.sqlite_server seed`, which prints what the requests need as JSON), serves it
with uvicorn as deployed (docker/entrypoint.sh) and always stops it.
"""

import base64
import hashlib
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
START_SECONDS = 20  # generous: uvicorn starts in about a second
PASSWORD = "concurrent-horse-battery-staple"  # noqa: S105 - the seeded users' password in tests
LOGIN_USERS = 6
TOKENS = 3


def _env(database: Path, miners: list[dict] | None = None) -> dict:
    """Exactly the environment a development portal on `database` runs with (nothing inherited that
    could point it elsewhere, such as the PostgreSQL run's DATABASE_URL or REDIS_URL)."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"),
           "DEPLOYMENT_ENV": "dev", "DATABASE_URL": f"sqlite:///{database}"}
    for i, miner in enumerate(miners or []):
        env.update({f"MINER_{i}_URL": miner["url"], f"MINER_{i}_SECRET": miner["secret"],
                    f"MINER_{i}_PUBLIC_KEY": miner["public_key"]})
    return env


def seed_database(database: Path) -> dict:
    """Migrate and seed `database` in a subprocess; what the requests need."""
    done = subprocess.run([sys.executable, "-m", "tests.portal.pages.sqlite_server", "seed"], cwd=REPO,
                          env=_env(database), capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(database: Path, miners: list[dict], log: Path):
    """uvicorn on 127.0.0.1 serving `database`; yields the port. Stopped whatever happens."""
    port = _free_port()
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "consortium.asgi:application", "--host", "127.0.0.1",
             "--port", str(port), "--no-access-log", "--log-level", "warning"],
            cwd=REPO, env=_env(database, miners), stdout=out, stderr=subprocess.STDOUT)
        try:
            _wait_until_up(server, port)
            yield port
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_until_up(server, port) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the server stopped while starting")
        try:
            if request(port, "GET", "/healthz")[0] == 200:
                return
        except OSError:
            time.sleep(0.05)  # polling for the condition "accepts connections", not a fixed wait
    raise RuntimeError(f"the server did not answer within {START_SECONDS} s")


def request(port, method, path, body=None, headers=None, timeout=30) -> tuple[int, bytes, dict]:
    """(status, body, headers) of one request on its own connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        payload = None
        headers = dict(headers or {})
        if isinstance(body, dict | list):
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        elif isinstance(body, str):
            payload = body.encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        conn.close()


# --- The seed, run inside the subprocess ------------------------------------------------------------


def _seed() -> dict:
    import django
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    django.setup()
    call_command("migrate", verbosity=0)

    from consortium.contract.messages import receipt_message
    from consortium.portal.accounts.models import User
    from consortium.portal.minerlink import client as miner_client
    from consortium.portal.submissions.actions import do_issue_token
    from tests.portal import factories
    from tests.portal.fake_miners import FakeMiners, make_member, start_tiny_run

    fake = FakeMiners()
    settings.MINERS = fake.settings()
    miner_client.request_json = fake.request_json  # start_run's calls to the miners
    run = start_tiny_run(fake)
    outputs = fake.compute(run.run_id)

    period = factories.open_period(name="2026 H2")
    _company, rep = make_member("Member with forms")
    tokens = []
    for _ in range(TOKENS):
        token, access, _ = do_issue_token(rep, period)
        tokens.append({"token": token, "period": period.pk, "form": str(access.form_id)})
    submission = _submission_of(tokens[0]["form"])
    digest = hashlib.sha256(b"shares as stored").hexdigest()
    receipts = [{"miner": i, "period": period.pk, "submission_id": str(submission.submission_id),
                 "digest": digest,
                 "signature": base64.b64encode(fake.keys[i].sign(receipt_message(
                     i, period.pk, str(submission.submission_id), digest))).decode()}
                for i in range(3)]

    _company, issuer = make_member("Member starting forms")
    logins = []
    for n in range(LOGIN_USERS):
        _company, user = make_member(f"Member logging in {n}")
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        logins.append(user.username)
    assert User.objects.filter(username__in=logins).count() == LOGIN_USERS

    return {
        "miners": fake.settings(),
        "secrets": fake.secrets,
        "run_id": str(run.run_id),
        "outputs": [fake.sign(i, run.run_id, outputs[i]) for i in range(3)],
        "tokens": tokens,
        "receipts": {"form": tokens[0]["form"], "receipts": receipts},
        "sessions": {"rep": _session(Client(), rep), "issuer": _session(Client(), issuer)},
        "open_period": period.pk,
        "issuer_id": issuer.pk,
        "logins": logins,
    }


def _submission_of(form_id):
    from consortium.portal.submissions.models import Submission

    return Submission.objects.get(token__form_id=form_id)


def _session(client, user) -> str:
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client.cookies["sessionid"].value


if __name__ == "__main__" and sys.argv[1:] == ["seed"]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consortium.settings")
    print(json.dumps(_seed()))
