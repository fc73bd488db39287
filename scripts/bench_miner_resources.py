"""What one miner needs for a consortium of N members: disk per period, and the memory and time of a run.

    .venv/bin/python scripts/bench_miner_resources.py [--members 100 10000] [--skip-run]

Disk: the miner's own store (the deployed schema, `manage.py migrate` in miner mode) filled as intake fills
it (`miners.intake.actions.do_store`: one submission row with its signed receipt and one share row per
indicator, 7 annual indicators), on a throwaway PostgreSQL (scripts/with-services.sh; the script re-runs
itself inside it) and on the embedded SQLite default. Reported: bytes of the store's tables and indexes
after VACUUM, per period and per member.

Run: `python -m miners.bench_analysis --n N` (three miner processes over the real encrypted peer channel on
loopback: the whole annual analysis, 7 sorted indicators, the ratio and the 3-period series, checked against
numpy), whose slowest party's seconds, rounds and peak RSS per party are reported as they come.

Prints one JSON object. Nothing here is a member's figure: shares are random bytes, as stored shares are.
"""
# ruff: noqa: S603, S607 - our own argv: this interpreter, manage.py, createdb/dropdb from PATH

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIELDS = ["total_return", "employees", "export_share", "added_value", "labour_costs", "training_costs",
          "profit"]


def _manage(env: dict, *args: str) -> str:
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True,
                          capture_output=True, text=True, timeout=600).stdout


def _miner_env(database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MINER_", "PORTAL_"))}
    env.update({"DEPLOYMENT_ENV": "dev", "DEPLOYMENT_MODE": "miner", "MINER_INDEX": "0",
                "DATABASE_URL": database_url, "DATABASE_POOL_MAX_SIZE": "0",
                "DJANGO_SETTINGS_MODULE": "consortium.settings"})
    env.pop("REDIS_URL", None)
    return env


FILL = """
import secrets, sys, uuid
import django
django.setup()
from django.db import connection, transaction
from miners.store.models import Share, Submission, share_bytes
members, fields = int(sys.argv[1]), sys.argv[2].split(",")
with transaction.atomic():
    for _ in range(members):
        s = Submission.objects.create(
            submission_id=uuid.uuid4(), period=1, form=uuid.uuid4(), ring_bits=64,
            token_hash=secrets.token_hex(32), digest=secrets.token_hex(32),
            signature=secrets.token_urlsafe(64)[:88])
        Share.objects.bulk_create(
            Share(submission=s, code=c, value=share_bytes(secrets.randbits(64)),
                  flag=share_bytes(secrets.randbits(64))) for c in fields)
tables = [Submission._meta.db_table, Share._meta.db_table]
with connection.cursor() as cursor:
    if connection.vendor == "postgresql":
        cursor.execute("VACUUM ANALYZE")  # outside the atomic block: autocommit
        cursor.execute("SELECT sum(pg_total_relation_size(t)) FROM unnest(%s::text[]) AS t", [tables])
        print(int(cursor.fetchone()[0]))
    else:
        cursor.execute("VACUUM")
        cursor.execute("SELECT sum(pgsize) FROM dbstat WHERE name IN (SELECT name FROM sqlite_master "
                       "WHERE tbl_name IN (%s, %s))", tables)
        print(int(cursor.fetchone()[0]))
"""


def store_bytes(env: dict, members: int) -> int:
    """Bytes of the store's tables + indexes holding `members` submissions of one period."""
    done = subprocess.run([sys.executable, "-c", FILL, str(members), ",".join(FIELDS)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=1800)
    if done.returncode:
        sys.exit(f"filling the store failed:\n{done.stderr[-2000:]}")
    return int(done.stdout.strip().splitlines()[-1])


def disk(members: int) -> dict:
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    name = f"bench_resources_{secrets.token_hex(4)}"
    subprocess.run(["createdb", name], check=True, timeout=60)
    try:
        env = _miner_env(f"{base}/{name}")
        _manage(env, "migrate", "--no-input")
        empty = store_bytes(env, 0)
        postgres = store_bytes(env, members) - empty
    finally:
        subprocess.run(["dropdb", name], check=True, timeout=60)
    with tempfile.TemporaryDirectory() as tmp:
        env = _miner_env(f"sqlite:///{tmp}/miner.sqlite3")
        _manage(env, "migrate", "--no-input")
        empty = store_bytes(env, 0)
        sqlite = store_bytes(env, members) - empty
    return {"postgresql_bytes_per_period": postgres, "postgresql_bytes_per_member": round(postgres / members),
            "sqlite_bytes_per_period": sqlite, "sqlite_bytes_per_member": round(sqlite / members)}


def run(members: int) -> dict:
    out = subprocess.run([sys.executable, "-m", "miners.bench_analysis", "--n", str(members)], cwd=ROOT,
                         check=True, capture_output=True, text=True, timeout=3600).stdout
    return json.loads(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, nargs="+", default=[100, 10_000])
    parser.add_argument("--skip-run", action="store_true", help="measure the disk only")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:  # re-run inside a throwaway PostgreSQL
        script = str(ROOT / "scripts" / "with-services.sh")
        return subprocess.call([script, sys.executable, *sys.argv])
    figures = {}
    for members in args.members:
        figures[members] = {"disk": disk(members)}
        if not args.skip_run:
            figures[members]["run"] = run(members)
        print(json.dumps({members: figures[members]}), file=sys.stderr, flush=True)
    summary = {"load_1min": os.getloadavg()[0], "nproc": os.cpu_count(), "members": figures}
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
