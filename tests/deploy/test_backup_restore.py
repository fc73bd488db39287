"""docs/backups.md, followed literally: its commands are read from the page's code blocks marked
`<!-- tested: NAME -->` and run with bash, so the page cannot drift from what works.

A miner's database with stored shares (through the intake's own write, `miners.intake.actions.do_store`)
is backed up with the documented command, dropped, and restored with the documented commands; then the
shares, receipts and runs equal the originals, and the miner's checks pass and its loader reads the
shares for a run. The portal's database likewise (equal `dumpdata` before and after). On PostgreSQL
(scripts/with-services.sh; `make test` runs this file in its services part, and under CI=true a missing
PostgreSQL fails) and on the SQLite embedded default.
"""

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

from consortium.localrun.processes import Services

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "backups.md"
TIMEOUT = 120

STORE = """
import secrets, uuid
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from miners.intake import actions
from miners.runs.actions import do_accept_run
key = Ed25519PrivateKey.generate()
ids = []
for n in range(6):
    codes = ["employees", "profit", "total_return"]
    values = {c: secrets.randbits(64) for c in codes}
    flags = {c: secrets.randbits(64) for c in codes}
    sid = str(uuid.uuid4())
    shares = actions.Shares(7, str(uuid.uuid4()), values, flags)
    actions.do_store(0, key, secrets.token_urlsafe(32), shares, sid, 64)
    ids.append(sid)
do_accept_run({"run_id": str(uuid.uuid4()), "period": 7, "ring": 64, "columns": ids, "portal_url": "",
               "analyses": [{"kind": "sorted_indicator", "indicator": "profit", "lo": 0, "hi": 9,
                             "descending": False}]})
"""

READ = """
import json
from miners.store.loading import load_inputs
from miners.store.models import Run, Share, Submission
run = Run.objects.get()
inputs = load_inputs(run.request)  # the miner's own loader, as a run reads its shares
print(json.dumps({
    "submissions": sorted([str(s), str(f), d, g] for s, f, d, g in
                          Submission.objects.values_list("submission_id", "form", "digest", "signature")),
    "shares": sorted([str(s), c, bytes(v).hex(), bytes(f).hex()] for s, c, v, f in
                     Share.objects.values_list("submission__submission_id", "code", "value", "flag")),
    "runs": [[str(run.run_id), run.request_digest, run.state]],
    "loaded": len(inputs),
}))
"""


def documented(name: str) -> str:
    """The shell commands of the code block marked `<!-- tested: name -->` in docs/backups.md."""
    found = re.search(rf"<!-- tested: {re.escape(name)} -->\n```sh\n(.*?)```", DOC.read_text(), re.S)
    assert found, f"docs/backups.md has no block marked {name}"
    return found[1]


def run_documented(name: str, env: dict) -> None:
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", documented(name)], cwd=ROOT, env=env,
                          timeout=TIMEOUT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{name} failed:\n{done.stdout}\n{done.stderr}"


def miner_env(database_url: str, **more) -> dict:
    """A miner's environment, `python` on the PATH being this virtualenv's (the miner's own)."""
    path = f"{Path(sys.executable).parent}:/usr/bin:/bin"
    return {"PATH": path, "HOME": os.environ.get("HOME", "/tmp"), "DEPLOYMENT_ENV": "dev",
            "DEPLOYMENT_MODE": "miner", "MINER_INDEX": "0", "DATABASE_URL": database_url, **more}


def manage(env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, timeout=TIMEOUT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def stored(env: dict) -> dict:
    return json.loads(manage(env, "shell", "-c", READ).strip().splitlines()[-1])


def a_miner_with_shares(env: dict) -> dict:
    manage(env, "migrate", "--noinput")
    manage(env, "shell", "-c", STORE)
    original = stored(env)
    assert len(original["submissions"]) == 6 and len(original["shares"]) == 18 and original["loaded"] == 6
    return original


@pytest.fixture
def services() -> Services:
    found = Services.from_environment()
    if found is None:
        message = "PostgreSQL is not running: run this test under scripts/with-services.sh"
        if os.environ.get("CI") == "true" or os.environ.get("CONSORTIUM_EXPECT_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return found


def test_a_miners_postgresql_database_is_restored_from_the_documented_backup(services, tmp_path):
    name = f"consortium_backup_{uuid.uuid4().hex[:8]}"
    services.create_database(name)
    backups = tmp_path / "backups"
    backups.mkdir()
    env = miner_env(services.database_url(name), BACKUP_DIR=str(backups),
                    ADMIN_DATABASE_URL=services.database_url("postgres"))
    original = a_miner_with_shares(env)

    run_documented("miner-postgres-backup", env)
    (backup,) = backups.glob("miner-*.dump")
    assert backup.stat().st_mode & 0o077 == 0  # readable by its owner only
    with psycopg.connect(services.database_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    with pytest.raises(AssertionError):
        stored(env)  # gone

    run_documented("miner-postgres-restore", {**env, "BACKUP_FILE": str(backup)})
    assert stored(env) == original
    with psycopg.connect(services.database_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_a_restore_over_a_damaged_database_replaces_it(services, tmp_path):
    """The restore drops a database that is still there (here: shares deleted behind the miner's back)."""
    name = f"consortium_backup_{uuid.uuid4().hex[:8]}"
    services.create_database(name)
    env = miner_env(services.database_url(name), BACKUP_DIR=str(tmp_path),
                    ADMIN_DATABASE_URL=services.database_url("postgres"))
    original = a_miner_with_shares(env)
    run_documented("miner-postgres-backup", env)
    with psycopg.connect(services.database_url(name), autocommit=True) as damaged:
        damaged.execute("DELETE FROM miner_store_share")
    assert stored(env)["shares"] == []
    (backup,) = tmp_path.glob("miner-*.dump")
    run_documented("miner-postgres-restore", {**env, "BACKUP_FILE": str(backup)})
    assert stored(env) == original
    with psycopg.connect(services.database_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_a_miners_sqlite_database_is_restored_from_the_documented_backup(tmp_path):
    database = tmp_path / "miner0.sqlite3"
    backups = tmp_path / "backups"
    backups.mkdir()
    env = miner_env(f"sqlite:///{database}", BACKUP_DIR=str(backups), SQLITE_FILE=str(database))
    original = a_miner_with_shares(env)

    run_documented("miner-sqlite-backup", env)
    (backup,) = backups.glob("miner-*.sqlite3")
    assert backup.stat().st_mode & 0o077 == 0
    database.unlink()  # lost; what it leaves beside it goes with the restore
    Path(f"{database}-wal").write_bytes(b"a stale write-ahead log of the lost database")

    run_documented("miner-sqlite-restore", {**env, "BACKUP_FILE": str(backup)})
    assert stored(env) == original


def test_the_portals_database_is_restored_from_the_documented_backup(services, tmp_path):
    """Members, companies, periods, tokens and the audit log of a demo consortium: equal after a restore."""
    name = f"consortium_backup_{uuid.uuid4().hex[:8]}"
    services.create_database(name)
    env = {**miner_env(services.database_url(name), BACKUP_DIR=str(tmp_path),
                       ADMIN_DATABASE_URL=services.database_url("postgres")), "DEPLOYMENT_MODE": "portal"}
    env.pop("MINER_INDEX")
    manage(env, "migrate", "--noinput")
    manage(env, "demo", "setup", "--companies", "3", "--periods", "1", "--password", "a-demo-password-1")
    original = manage(env, "dumpdata", "--indent", "0")
    assert '"model": "accounts.company"' in original

    run_documented("portal-postgres-backup", env)
    (backup,) = tmp_path.glob("portal-*.dump")
    with psycopg.connect(services.database_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    run_documented("portal-postgres-restore", {**env, "BACKUP_FILE": str(backup)})
    assert manage(env, "dumpdata", "--indent", "0") == original
    with psycopg.connect(services.database_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_the_sqlite_backup_holds_what_is_only_in_the_write_ahead_log_yet(tmp_path):
    """While the miner runs, its latest writes may be in `-wal` only: the documented backup has them (a
    copy of the database file alone would not)."""
    import sqlite3

    database = tmp_path / "miner0.sqlite3"
    env = miner_env(f"sqlite:///{database}", BACKUP_DIR=str(tmp_path), SQLITE_FILE=str(database))
    manage(env, "migrate", "--noinput")
    running = sqlite3.connect(database)  # stays open, as the miner's process does
    try:
        running.execute("PRAGMA wal_autocheckpoint=0")
        running.execute("CREATE TABLE latest (x TEXT)")
        running.execute("INSERT INTO latest VALUES ('written just now')")
        running.commit()
        assert Path(f"{database}-wal").stat().st_size > 0
        run_documented("miner-sqlite-backup", env)
    finally:
        running.close()
    (backup,) = tmp_path.glob("miner-*.sqlite3")
    with sqlite3.connect(backup) as copy:
        assert copy.execute("SELECT x FROM latest").fetchall() == [("written just now",)]


def test_the_sqlite_backup_of_a_wrong_path_fails_instead_of_saving_an_empty_database(tmp_path):
    env = miner_env(f"sqlite:///{tmp_path}/x.sqlite3", BACKUP_DIR=str(tmp_path),
                    SQLITE_FILE=str(tmp_path / "no-such-miner.sqlite3"))
    with pytest.raises(AssertionError, match="miner-sqlite-backup failed"):
        run_documented("miner-sqlite-backup", env)
    assert not (tmp_path / "no-such-miner.sqlite3").exists()
