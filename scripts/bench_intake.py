"""Share intake throughput: real portal and miner processes (uvicorn) on a throwaway PostgreSQL, on loopback.

    .venv/bin/python scripts/bench_intake.py [--submissions 5000] [--concurrency 32] [--miner-workers 2]

Starts PostgreSQL through scripts/with-services.sh (it re-runs itself inside it), makes a portal database
and a miner database, issues real access tokens in the portal's (an open period of 7 indicators, one member
company), starts the portal and miner 0 as uvicorn processes, then posts every token's share body (the
browser's format: consortium.contract.figures.share_bodies) to the miner's POST /api/shares over
`--concurrency` keep-alive connections. Each submission goes through the miner's token check with the
portal. Afterwards: every answer must be 201 with a receipt signed by the miner's key over that
submission's id, and the miner's store must hold exactly that many submissions and shares (none lost).
Prints the figures as JSON. Bounded: every request has a time-out, and the processes are stopped at exit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIELDS = [{"code": f"indicator_{k}", "scale": 0} for k in range(7)]
REQUEST_TIMEOUT = 30.0


# --- the portal's side, run as `bench_intake.py --issue N` in the portal's environment --------------------

def issue(count: int) -> None:
    """Issue `count` tokens for one member in an open period; print them as JSON (plaintext only here)."""
    import django

    django.setup()
    from datetime import date, timedelta

    from django.utils import timezone

    from consortium.contract import tokens
    from consortium.portal.accounts.models import Company, User
    from consortium.portal.periods.models import CollectionPeriod, IndicatorDefinition
    from consortium.portal.submissions.models import AccessToken, Submission

    company = Company.objects.create(name="Bench Ltd", registry_code="bench-1")
    user = User.objects.create_user(username="bench", password=secrets.token_urlsafe(16), company=company,
                                    role="representative")
    period = CollectionPeriod.objects.create(name="bench", kind="annual", starts_on=date(2026, 1, 1),
                                             ends_on=date(2026, 12, 31), state="open",
                                             opened_at=timezone.now())
    for k, field in enumerate(FIELDS):
        IndicatorDefinition.objects.create(period=period, code=field["code"], name=field["code"], lo=0,
                                           hi=10**6, position=k)
    plain = [tokens.new_token() for _ in range(count)]
    expires = timezone.now() + timedelta(hours=2)
    access = AccessToken.objects.bulk_create(
        AccessToken(token_hash=tokens.hash_token(t), user=user, company=company, period=period,
                    expires_at=expires) for t in plain)
    made = Submission.objects.bulk_create(
        Submission(token=a, user=user, company=company, period=period) for a in access)
    print(json.dumps({"period": period.pk, "ring": period.ring_bits,
                      "tokens": [[t, str(a.form_id), str(s.submission_id)]
                                 for t, a, s in zip(plain, access, made, strict=True)]}))


# --- the harness ------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{name}"))


def create_databases(base: str, names: list[str]) -> None:
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, timeout=300,  # noqa: S603
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def start_server(env: dict, port: int, workers: int, log: Path, interface: str = "asgi",
                 access_log: bool = False, threads: int = 0) -> subprocess.Popen:
    """uvicorn (asgi, or wsgi: its thread pool around consortium.wsgi, an experiment) or gunicorn (gthread
    workers around consortium.wsgi: plain HTTP, no websockets, as a miner's web with a broker may run)."""
    if interface == "gunicorn":
        command = [sys.executable, "-m", "gunicorn", "consortium.wsgi:application", "--bind",
                   f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", "gthread",
                   "--threads", str(threads or 32)]
        if access_log:
            command += ["--access-logfile", "-"]
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"),  # noqa: S603 - our own argv
                                stderr=subprocess.STDOUT, start_new_session=True)
    app = "consortium.asgi:application" if interface == "asgi" else "consortium.wsgi:application"
    command = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers), "--access-log" if access_log else "--no-access-log"]
    if interface == "wsgi":
        command += ["--interface", "wsgi"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"),  # noqa: S603 - our own argv
                            stderr=subprocess.STDOUT,
                            start_new_session=True)


def wait_for(port: int, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


async def post_all(port: int, bodies: list[bytes], concurrency: int) -> list[tuple[int, bytes, float]]:
    """POST every body to /api/shares over `concurrency` keep-alive connections: (status, body, seconds)."""
    results: list = [None] * len(bodies)
    queue = list(range(len(bodies)))[::-1]

    async def connection():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while queue:
                k = queue.pop()
                head = (f"POST /api/shares HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        f"Content-Length: {len(bodies[k])}\r\n\r\n").encode()
                started = time.perf_counter()
                writer.write(head + bodies[k])
                status_line = await asyncio.wait_for(reader.readline(), REQUEST_TIMEOUT)
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode().partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                body = await asyncio.wait_for(reader.readexactly(length), REQUEST_TIMEOUT)
                results[k] = (int(status_line.split()[1]), body, time.perf_counter() - started)
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return results


_TICK = os.sysconf("SC_CLK_TCK")


def _stats() -> dict[int, list[str]]:
    """Every process's /proc/<pid>/stat fields after the command name (field 3 on), by pid."""
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                out[int(entry.name)] = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                pass
    return out


def cpu_seconds(groups: dict[str, int], postmaster: int) -> dict[str, float]:
    """CPU time (user + system) used so far by each uvicorn process group, by PostgreSQL (the postmaster,
    its live children and the children it reaped) and by this client process."""
    stats, used = _stats(), {}
    for name, pgid in groups.items():
        used[name] = sum(int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])
                         for f in stats.values() if int(f[2]) == pgid) / _TICK
    pg = [f for pid, f in stats.items() if pid == postmaster or int(f[1]) == postmaster]
    used["postgres"] = (sum(int(f[11]) + int(f[12]) for f in pg)
                        + sum(int(f[13]) + int(f[14]) for f in pg if f is stats.get(postmaster))) / _TICK
    times = os.times()
    used["client"] = times.user + times.system
    return used


def backend_cpu(url: str) -> dict[int, tuple[str, float]]:
    """pid -> (its database, CPU seconds so far) of every PostgreSQL backend connected to a bench database:
    which part of PostgreSQL's CPU each role's queries cost (their connections are pooled, so they live
    through the timed part; one that ends during it is counted in "postgres" only)."""
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT pid, datname FROM pg_stat_activity "
                            "WHERE datname LIKE 'bench_%'").fetchall()
    stats = _stats()
    return {pid: (db, (int(stats[pid][11]) + int(stats[pid][12])) / _TICK)
            for pid, db in rows if pid in stats}


def by_database(before: dict, after: dict) -> dict[str, float]:
    used: dict[str, float] = {}
    for pid, (db, seconds) in after.items():
        used[db] = used.get(db, 0.0) + seconds - (before[pid][1] if pid in before else 0.0)
    return used


def calibration_ms() -> float:
    """CPU ms of a fixed piece of Python work (JSON, hashing, dicts): this machine's speed at the moment. On
    a shared machine the same code's CPU per submission varies with it (other work's cache misses, the
    host's frequency), so CPU figures of two runs compare best in units of this."""
    import hashlib

    started = time.process_time()
    for k in range(20000):
        body = json.dumps({"token": str(k), "values": {f"f{j}": str(j * k) for j in range(7)}})
        hashlib.sha256(json.loads(body)["token"].encode()).hexdigest()
    return round(1000 * (time.process_time() - started), 1)


def postmaster_pid(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        return int(_stats()[backend][1])


def start_profiles(servers: dict[str, subprocess.Popen], directory: Path) -> list[subprocess.Popen]:
    """py-spy (sampling every thread of every worker) on each server, until SIGINT: collapsed stacks."""
    directory.mkdir(parents=True, exist_ok=True)
    spy = str(Path(sys.executable).with_name("py-spy"))
    # --gil: only samples that hold the GIL, i.e. Python code running, not threads waiting on a socket
    command = [spy, "record", "--subprocesses", "--format", "raw", "--rate", "250", "--gil", "--nonblocking"]
    return [subprocess.Popen([*command, "--pid", str(server.pid), "-o", str(directory / f"{name}.txt")],  # noqa: S603
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for name, server in servers.items()]


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown")
    git = ["git", "-C", str(ROOT)]
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"],  # noqa: S603,S607 - git from PATH
                            capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run([*git, "status", "--porcelain", "--untracked-files=no"],  # noqa: S603,S607
                           capture_output=True, text=True).stdout.strip()
    return {"nproc": os.cpu_count(), "cpu": cpu, "load_average": os.getloadavg(),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "commit": commit + ("+dirty" if dirty else "")}


def run(args) -> dict:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from consortium.contract import keys
    from consortium.contract.figures import share_bodies
    from consortium.contract.messages import receipt_message
    from miners.identity.keys import encode_private_key

    base = os.environ["DATABASE_URL"]
    create_databases(base, ["bench_portal", "bench_miner0"])
    key, secret = Ed25519PrivateKey.generate(), secrets.token_urlsafe(32)
    portal_port, miner_port = free_port(), free_port()
    common = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", str(ROOT)), "DEPLOYMENT_ENV": "dev",
              "PYTHONDONTWRITEBYTECODE": "1", "DJANGO_SETTINGS_MODULE": "consortium.settings"}
    if args.pool_max_size is not None:
        common["DATABASE_POOL_MAX_SIZE"] = str(args.pool_max_size)
    portal_env = {**common, "DEPLOYMENT_MODE": "portal", "DATABASE_URL": database_url(base, "bench_portal"),
                  "MINER_0_URL": f"http://127.0.0.1:{miner_port}", "MINER_0_SECRET": secret,
                  "MINER_0_PUBLIC_KEY": keys.encode_public_key(key)}
    miner_env = {**common, "DEPLOYMENT_MODE": "miner", "MINER_INDEX": "0",
                 "DATABASE_URL": database_url(base, "bench_miner0"),
                 "PORTAL_URL": f"http://127.0.0.1:{portal_port}", "PORTAL_SECRET": secret,
                 "MINER_IDENTITY_KEY": encode_private_key(key),
                 **dict(setting.split("=", 1) for setting in args.miner_env)}
    manage(portal_env, "migrate", "-v0")
    manage(miner_env, "migrate", "-v0")
    issued = json.loads(subprocess.run(  # noqa: S603 - this script, in the portal's environment
        [sys.executable, __file__, "--issue", str(args.submissions)], cwd=ROOT, env=portal_env, check=True,
        capture_output=True, text=True, timeout=300).stdout)
    period, ring = issued["period"], issued["ring"]
    figures = {f["code"]: str(secrets.randbelow(10**6)) for f in FIELDS}
    bodies = [json.dumps(share_bodies(t, period, form, FIELDS, figures, ring)[0]).encode()
              for t, form, _sid in issued["tokens"]]

    logs = Path(tempfile.gettempdir())
    named = {"portal": start_server(portal_env, portal_port, args.portal_workers, logs / "bench-portal.log",
                                   args.portal_server or args.interface, args.access_log, args.miner_threads),
             "miner": start_server(miner_env, miner_port, args.miner_workers, logs / "bench-miner.log",
                                   args.miner_server or args.interface, args.access_log, args.miner_threads)}
    servers, profiles = list(named.values()), []
    postmaster = postmaster_pid(base)
    try:
        wait_for(portal_port)
        wait_for(miner_port)
        # Warm every worker (imports, first connections) with a few tokens not counted below.
        warm = args.warmup
        asyncio.run(post_all(miner_port, bodies[:warm], min(args.concurrency, warm)))
        if args.profile:
            profiles = start_profiles(named, Path(args.profile))
            time.sleep(1)  # py-spy attaches
        load, speed_before = os.getloadavg(), calibration_ms()
        backends_before = backend_cpu(base)
        cpu_before = cpu_seconds({name: server.pid for name, server in named.items()}, postmaster)
        started = time.perf_counter()
        results = asyncio.run(post_all(miner_port, bodies[warm:], args.concurrency))
        elapsed = time.perf_counter() - started
        cpu_after = cpu_seconds({name: server.pid for name, server in named.items()}, postmaster)
        backends_after = backend_cpu(base)
        speed_after = calibration_ms()
    finally:
        for spy in profiles:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
        for server in servers:
            server.wait(timeout=30)

    public = key.public_key()
    bad = 0
    for (_token, _form, sid), (status, raw, _s) in zip(issued["tokens"][warm:], results, strict=True):
        receipt = json.loads(raw) if status == 201 else {}
        ok = (status == 201 and receipt.get("submission_id") == sid and keys.signature_is_valid(
            public, receipt_message(0, period, sid, receipt["digest"]), receipt["signature"]))
        bad += not ok
    import psycopg

    with psycopg.connect(database_url(base, "bench_miner0")) as conn:
        stored = conn.execute("SELECT count(*) FROM miner_store_submission").fetchone()[0]
        shares = conn.execute("SELECT count(*) FROM miner_store_share").fetchone()[0]
    latencies = sorted(s for _st, _b, s in results)
    n = len(results)
    return {"submissions": n, "seconds": round(elapsed, 3), "per_second": round(n / elapsed, 1),
            "latency_ms": {"p50": round(1000 * latencies[n // 2], 1),
                           "p99": round(1000 * latencies[int(n * 0.99)], 1)},
            "not_201_or_bad_receipt": bad, "stored_submissions": stored - warm, "stored_shares": shares,
            "lost": n - (stored - warm), "concurrency": args.concurrency, "miner_workers": args.miner_workers,
            "portal_workers": args.portal_workers, "pool_max_size": args.pool_max_size,
            "interface": args.interface, "miner_server": args.miner_server or args.interface,
            "miner_threads": args.miner_threads,
            "portal_server": args.portal_server or args.interface, "miner_env": args.miner_env,
            "access_log": args.access_log,
            "load_average_at_start": load, "calibration_cpu_ms": [speed_before, speed_after],
            "cpu_ms_per_submission": {name: round(1000 * (cpu_after[name] - cpu_before[name]) / n, 2)
                                      for name in cpu_after},
            "postgres_cpu_ms_per_submission_by_database": {
                db: round(1000 * seconds / n, 2)
                for db, seconds in by_database(backends_before, backends_after).items()},
            **machine()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=5000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--miner-workers", type=int, default=2)
    parser.add_argument("--portal-workers", type=int, default=2)
    parser.add_argument("--pool-max-size", type=int, default=None,
                        help="DATABASE_POOL_MAX_SIZE in both processes (default: the settings' own; 0: none)")
    parser.add_argument("--interface", choices=["asgi", "wsgi"], default="asgi",
                        help="wsgi: both in uvicorn's WSGI thread pool (an experiment: no websockets)")
    parser.add_argument("--miner-server", choices=["asgi", "wsgi", "gunicorn"],
                        help="the miner's server alone (default: --interface); gunicorn: gthread workers")
    parser.add_argument("--miner-env", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting for the miner's process, e.g. MINER_TOKEN_BATCH_MAX=1 (repeatable)")
    parser.add_argument("--portal-server", choices=["asgi", "wsgi", "gunicorn"],
                        help="the portal's server alone (default: --interface); an experiment: the portal "
                             "serves websockets, which gunicorn's WSGI cannot")
    parser.add_argument("--miner-threads", type=int, default=32, help="gunicorn's --threads per worker")
    parser.add_argument("--access-log", action="store_true",
                        help="uvicorn's access log on, as the README's commands run it (default: off)")
    parser.add_argument("--profile", metavar="DIR",
                        help="py-spy (pip install py-spy) samples both servers during the timed part: "
                             "DIR/portal.txt and DIR/miner.txt, collapsed stacks")
    parser.add_argument("--issue", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.issue:
        return issue(args.issue)
    if os.environ.get("BENCH_INTAKE_IN_SERVICES") != "1":
        os.environ["BENCH_INTAKE_IN_SERVICES"] = "1"
        script = str(ROOT / "scripts" / "with-services.sh")
        os.execv(script, [script, sys.executable, __file__, *sys.argv[1:]])  # noqa: S606 - our own script
    args.submissions += args.warmup
    result = run(args)
    print(json.dumps(result, indent=1))
    if result["not_201_or_bad_receipt"] or result["lost"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
