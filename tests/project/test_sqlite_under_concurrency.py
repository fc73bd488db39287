"""The embedded default (SQLite) under concurrent writers, on a real server process with a file database:
no request fails with "database is locked", and a token's replay protection still allows exactly one use
per miner. In-memory test databases do not show the problem, so this starts `manage.py runserver`
(threaded: one thread per request, as a WSGI server with threads or several workers would be)."""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONCURRENT = 8  # requests in flight at once (the dev server's listen backlog is small)
SECRETS = ["s0-" + "a" * 40, "s1-" + "b" * 40, "s2-" + "c" * 40]
SETUP = """
import datetime as dt
from consortium.portal.accounts.actions import do_create_user
from consortium.portal.accounts.models import Company, Role
from consortium.portal.periods.actions import do_create_period, do_open_period
from consortium.portal.submissions.actions import do_issue_token
staff = do_create_user("staff", "x" * 20, role=Role.STAFF)
period = do_create_period("2026 H1", "semi_annual", dt.date(2026, 1, 1), dt.date(2026, 6, 30))
period = do_open_period(period, staff)
tokens = []
for k in range(N):
    company = Company.objects.create(name=f"Company {k}", registry_code=f"{10000000 + k}")
    rep = do_create_user(f"rep{k}", "x" * 20, role=Role.REPRESENTATIVE, company=company)
    token, access, _ = do_issue_token(rep, period)
    tokens.append({"token": token, "period": period.pk, "form": str(access.form_id)})
from consortium.portal.runs.models import AnalysisRun
run = AnalysisRun.objects.create(period=period, started_by=staff, state="running", request={"analyses": []})
print("RUN=" + str(run.run_id))
print("TOKENS=" + __import__("json").dumps(tokens))
"""


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One seeded server for the module (migrating and seeding take most of the time): the first test
    spends tokens[0], the second the others."""
    tmp_path = tmp_path_factory.mktemp("sqlite-portal")
    env = {**os.environ, "DEPLOYMENT_ENV": "dev", "DJANGO_SETTINGS_MODULE": "consortium.settings",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
           **{f"MINER_{i}_SECRET": s for i, s in enumerate(SECRETS)}}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT, timeout=120)
    done = subprocess.run([*manage, "shell", "-c", SETUP.replace("N)", "8)")], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    tokens = json.loads(done.stdout.split("TOKENS=", 1)[1])
    run_id = done.stdout.split("RUN=", 1)[1].split()[0]
    port = free_port()
    proc = subprocess.Popen([*manage, "runserver", "--noreload", "--skip-checks",
                             f"127.0.0.1:{port}"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the portal did not start") from None
                time.sleep(0.1)
        yield base, tokens, run_id
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def verify(base, miner, body, path="/api/miner/tokens/verify"):
    """POST `body` as miner `miner`: (status, JSON answer or None)."""
    headers = {"Content-Type": "application/json", "Authorization": f"Miner {miner} {SECRETS[miner]}"}
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, None


def test_simultaneous_verifications_of_one_token_give_exactly_one_valid_answer_per_miner(server):
    base, tokens, _ = server
    body = tokens[0]
    calls = [(miner, body) for miner in range(3) for _ in range(8)]
    with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
        answers = list(pool.map(lambda c: verify(base, *c), calls))
    assert [status for status, _ in answers if status != 200] == []
    for miner in range(3):
        valid = [a for (m, _), (s, a) in zip(calls, answers, strict=True) if m == miner and a["valid"]]
        assert len(valid) == 1, f"miner {miner}: {len(valid)} valid answers"
    assert all(a["reason"] == "used" for _, a in answers if not a["valid"])


def test_many_tokens_verified_at_once_never_lock_the_database(server):
    base, tokens, _ = server
    calls = [(miner, body) for body in tokens[1:] for miner in range(3)]
    with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
        answers = list(pool.map(lambda c: verify(base, *c), calls))
    assert [status for status, _ in answers if status != 200] == []
    assert all(a["valid"] for _, a in answers)


def test_the_miners_progress_pushes_at_once_are_all_recorded(server):
    base, _, run_id = server
    path = f"/api/miner/runs/{run_id}/progress"
    calls = [(miner, {"state": "running", "progress": step / 10, "step": f"step {step}"})
             for step in range(1, 9) for miner in range(3)]
    with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
        answers = list(pool.map(lambda c: verify(base, *c, path=path), calls))
    assert [status for status, _ in answers if status != 200] == []
    assert {a["state"] for _, a in answers} == {"running"}
