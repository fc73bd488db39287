"""`python -m consortium.localrun demo|serve`: a whole collection through the portal and three miners.

demo   starts the portal and three miners as separate processes on the embedded defaults (SQLite each,
       tasks in-process, no server to install), creates a demo consortium, submits every company's
       figures for three annual periods as the browser does (tokens from the portal, shares to each
       miner, receipts back), closes the periods, runs the full analysis over the miners' encrypted
       peer channel, writes the report (Excel and a printed summary), prints `plaintext check: OK` only
       if every published value equals the plaintext computation of the generated figures, prints the timing
       of each step, stops everything and exits 0 (1 when anything failed).
serve  the same, then a fourth period left open, and everything keeps running until Ctrl-C: log in
       at the printed address as a representative, staff or board member and use every part.
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import plaintext, synthetic
from .member import Member
from .processes import ROOT, Cluster, port_is_free

# The demo accounts' password, new for each run and printed (make serve): another user of the machine
# cannot guess it, and a published one could never be reused anywhere.
PASSWORD = secrets.token_urlsafe(9)
SUBMITTING_THREADS = 6
RUN_SECONDS = 600


class Progress:
    """One line per step with its time; within a step a counter that rewrites itself on a terminal."""

    def __init__(self, steps: int, stream=sys.stdout):
        self.steps, self.stream, self.done = steps, stream, 0
        self.tty = stream.isatty()
        self.timings: list[tuple[str, float]] = []
        self._lock = threading.Lock()

    def step(self, title: str):
        progress = self

        class _Step:
            def __enter__(self):
                self.start = time.monotonic()
                progress.done += 1
                progress._say(f"[{progress.done}/{progress.steps}] {title} ...", final=not progress.tty)
                return self

            def update(self, text: str):
                if progress.tty:
                    progress._say(f"[{progress.done}/{progress.steps}] {title} ... {text}", final=False)

            def __exit__(self, kind, *exc):
                seconds = time.monotonic() - self.start
                progress.timings.append((title, seconds))
                mark = "done" if kind is None else "FAILED"
                progress._say(f"[{progress.done}/{progress.steps}] {title}: {mark} in {seconds:.1f} s",
                              final=True)

        return _Step()

    def _say(self, text: str, final: bool):
        with self._lock:
            if self.tty:
                self.stream.write("\r\033[K" + text + ("\n" if final else ""))
            else:
                self.stream.write(text + "\n")
            self.stream.flush()


def submit_everything(cluster: Cluster, setup: dict, submissions, step) -> None:
    """Every company's submissions in order, companies side by side; raises on any incomplete one."""
    by_company: dict[int, list] = {}
    for s in submissions:
        by_company.setdefault(s.company, []).append(s)
    done, lock, failures = [0], threading.Lock(), []

    def company(c: int) -> None:
        member = Member(cluster.portal.url, setup["members"][c]["username"], PASSWORD)
        member.log_in()
        for s in by_company[c]:
            answer = member.submit(setup["periods"][s.period]["id"], s.values)
            with lock:
                done[0] += 1
                if not answer.get("complete"):
                    failures.append(f"company {c + 1}, period {s.period + 1}: {answer.get('reason')}")
                step.update(f"{done[0]}/{len(submissions)} forms")

    with ThreadPoolExecutor(SUBMITTING_THREADS) as pool:
        list(pool.map(company, sorted(by_company)))
    if failures:
        raise RuntimeError("submissions not complete:\n  " + "\n  ".join(failures[:10]))


def wait_for_run(cluster: Cluster, run_id: str, step) -> dict:
    deadline = time.monotonic() + RUN_SECONDS
    while True:
        status = json.loads(cluster.manage(cluster.portal, "demo", "status", "--run", run_id))
        if status["state"] in ("done", "failed"):
            return status
        if time.monotonic() > deadline:
            raise RuntimeError(f"the run did not finish within {RUN_SECONDS} s")
        miners = status["miners"]
        steps = "; ".join(m.get("step") or m["state"] for m in miners.values())
        step.update(f"{status['progress']:.0%} ({steps})" if miners else "starting")
        time.sleep(1)


def run(companies: int, out: Path, serve: bool, port: int | None) -> int:
    periods = 3
    progress = Progress(6)
    workdir = Path(tempfile.mkdtemp(prefix="consortium-demo-"))
    extra = {"REQUIRE_2FA_FOR_STAFF": "false", "REQUIRE_2FA_FOR_BOARD": "false"} if serve else {}
    cluster = Cluster(workdir, extra_env=extra, portal_port=port)
    succeeded = False
    try:
        with progress.step("starting the portal and three miners (separate processes, SQLite each)"):
            cluster.start()
        with progress.step(f"creating a demo consortium of {companies} companies"):
            setup = json.loads(cluster.manage(cluster.portal, "demo", "setup", "--companies", str(companies),
                                              "--periods", str(periods + serve), "--password", PASSWORD))
        submissions = synthetic.generate(companies, periods, seed=2026)
        with progress.step(f"submitting {len(submissions)} forms as the browser does "
                           "(shares to each miner, receipts to the portal)") as step:
            fields = {f["code"]: f for f in _fields(cluster, setup)}
            submit_everything(cluster, setup, submissions, step)
        period_ids = [p["id"] for p in setup["periods"][:periods]]
        with progress.step("closing the periods, running the analysis over the miners' peer channel") as step:
            started = json.loads(cluster.manage(cluster.portal, "demo", "analyse", "--periods",
                                                *map(str, period_ids)))
            finished = wait_for_run(cluster, started["run"], step)
            if finished["state"] != "done":
                raise RuntimeError(f"the analysis failed: {finished['reason']}")
        with progress.step("writing the report"):
            out.mkdir(parents=True, exist_ok=True)
            report = json.loads(cluster.manage(cluster.portal, "demo", "report", "--run", started["run"],
                                               "--out", str(out.resolve() / "report.xlsx")))
        with progress.step("checking every published value against the plaintext computation"):
            table = {(str(c), period_ids[p]): s.values
                     for (c, p), s in synthetic.counting(submissions).items()}
            key_companies = sorted({str(s.company) for s in submissions if s.period == periods - 1})
            plain = plaintext.expected(finished["request"], fields, table, key_companies, period_ids)
            problems = plaintext.compare(finished["results"], plain)
        _print_summary(report, out)
        print("plaintext check: OK" if not problems
              else "plaintext check: FAILED\n  " + "\n  ".join(problems))
        _print_timings(progress)
        succeeded = not problems
        if serve and succeeded:
            _print_accounts(cluster, setup)
            _wait_for_interrupt(cluster)
        return 0 if succeeded else 1
    except KeyboardInterrupt:
        print("\nstopped")
        return 0 if succeeded else 130
    except Exception as exc:  # noqa: BLE001 - a demo says what went wrong and where the logs are
        print(f"\nfailed: {exc}\nthe processes' logs: {workdir}", file=sys.stderr)
        return 1
    finally:
        cluster.stop()
        if succeeded:  # else the logs stay for reading
            shutil.rmtree(workdir, ignore_errors=True)


def _fields(cluster: Cluster, setup: dict) -> list[dict]:
    member = Member(cluster.portal.url, setup["members"][0]["username"], PASSWORD)
    member.log_in()
    return member.open_form(setup["periods"][0]["id"])["fields"]


def _print_summary(report: dict, out: Path) -> None:
    print(f"\nThe report (the portal's draft, its Excel file written to {out / 'report.xlsx'}):")
    for s in report["sections"]:
        median = "suppressed (too few values)" if not s["published"] else f"median {s['median']:,}"
        print(f"  {s['name']:<34} {s['count']:>4} values   {median} {s['unit']}")
    for s in report["series"]:
        state = f"{s['lines']} lines" if s["published"] else "suppressed"
        print(f"  time series: {s['name']:<21} {state}")
    print()


def _print_accounts(cluster: Cluster, setup: dict) -> None:
    print(f"\nThe portal: {cluster.portal.url}/  (miners at "
          f"{', '.join(m.url for m in cluster.miners)})")
    print(f"Accounts (password {PASSWORD} for all; the second factor is off in this demo):")
    print(f"  representative  {setup['members'][0]['username']}  ({setup['members'][0]['company']}; "
          f"the period '{setup['periods'][-1]['name']}' is open for its figures)")
    print(f"  staff           {setup['staff']}")
    print(f"  board member    {setup['board']}")
    print("Press Ctrl-C to stop everything.", flush=True)


def _wait_for_interrupt(cluster: Cluster) -> None:
    while all(p.poll() is None for party in cluster.parties for p in party.processes):
        time.sleep(1)
    raise RuntimeError("a process stopped")


def _print_timings(progress: Progress) -> None:
    total = sum(seconds for _title, seconds in progress.timings)
    print("Timings:")
    for title, seconds in progress.timings:
        print(f"  {seconds:7.1f} s  {title}")
    print(f"  {total:7.1f} s  in all")


def _stop_on_sigterm() -> None:
    """`kill` (SIGTERM) stops the demo as Ctrl-C does: the four processes are stopped, not orphaned."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m consortium.localrun")
    parser.add_argument("command", choices=["demo", "serve"])
    parser.add_argument("--companies", type=int, default=100, help="how many demo companies (default 100)")
    parser.add_argument("--out", type=Path, default=ROOT / "demo-output", help="where the report goes")
    parser.add_argument("--port", type=int, default=None, help="the portal's port (serve: default 8000)")
    args = parser.parse_args(argv)
    if not 5 <= args.companies <= 2000:
        parser.error("--companies between 5 and 2000")
    port = args.port or (8000 if args.command == "serve" else None)
    if port and not port_is_free(port):
        parser.error(f"port {port} is in use (another `make serve`?): stop it, or choose --port")
    _stop_on_sigterm()
    return run(args.companies, args.out, args.command == "serve", port)
