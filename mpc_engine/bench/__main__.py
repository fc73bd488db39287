"""`python -m mpc_engine.bench`: time one protocol, optionally MPyC's version in the same run.

    python -m mpc_engine.bench --op sort --n 10000 --ring 32 --transport tcp \\
        --algorithm auto --vs mpyc --json

prints one JSON object on stdout (progress goes to stderr): our seconds, rounds and
bytes per party (the maximum over the three), with `--memory` each party process's
peak RSS (`peak_rss_mib_per_party`, tcp only), and with `--vs mpyc` MPyC's seconds and
the speedup.  `--peer-n M` runs MPyC at M < n elements when it is too slow at n; its
time is then also scaled to n (rule in `peer_scaling`) and the speedup is an estimate.
Every run's revealed result is checked against numpy; a wrong one exits with status 1.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shlex
import subprocess
import sys
import threading
import time
from importlib import metadata

import numpy as np

from .jobs import ALGORITHMS, OPS, TIMING, BenchCheckFailed, measure_ours
from .mpyc_peer import PeerFailed  # no MPyC import: that happens in the peer processes

PROGRESS_EVERY = 10.0  # seconds between "still running" lines on stderr


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m mpc_engine.bench", description=__doc__.split("\n")[0])
    p.add_argument("--op", choices=OPS, required=True)
    p.add_argument("--n", type=int, required=True, help="number of elements")
    p.add_argument("--ring", type=int, choices=(32, 64), default=32)
    p.add_argument("--transport", choices=("local", "tcp"), default="tcp")
    p.add_argument("--algorithm", choices=ALGORITHMS, default="auto", help="sort only")
    p.add_argument("--vs", choices=("mpyc",), help="also run the same job with MPyC")
    p.add_argument("--peer-n", type=int, help="n for the MPyC run (default: --n)")
    p.add_argument("--seed", type=int, default=1, help="seed of the (non-secret) benchmark inputs")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds a party waits for a peer")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--memory", action="store_true",
                   help="report each party process's peak RSS (tcp only: one process per party)")
    return p


# -- machine -------------------------------------------------------------------------------------
def _proc_field(path: str, key: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def code_version() -> str | None:
    """The git commit the benchmark ran from, '+dirty' if tracked files differ from it."""
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=here,  # noqa: S607
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", ":/mpc_engine"],  # noqa: S607
                               cwd=here, check=False).returncode != 0
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit + ("+dirty" if dirty else "")


def machine_info() -> dict:
    mem_kb = _proc_field("/proc/meminfo", "MemTotal")
    return {"cores": os.cpu_count(), "cpu_model": _proc_field("/proc/cpuinfo", "model name"),
            "ram_gib": round(int(mem_kb.split()[0]) / 2**20, 1) if mem_kb else None,
            "python": platform.python_version(), "numpy": np.__version__,
            "cryptography": _version("cryptography"), "mpyc": _version("mpyc"),
            "load_average_at_start": [round(v, 2) for v in os.getloadavg()]}


# -- progress ------------------------------------------------------------------------------------
class Progress:
    """'<what>...' on stderr, then a line every PROGRESS_EVERY seconds until done."""

    def __init__(self, what: str):
        self.what, self.start, self.done = what, time.monotonic(), threading.Event()
        print(f"running {what}...", file=sys.stderr, flush=True)
        threading.Thread(target=self._tick, daemon=True).start()

    def _tick(self) -> None:
        while not self.done.wait(PROGRESS_EVERY):
            print(f"  {self.what}: {time.monotonic() - self.start:.0f} s elapsed", file=sys.stderr,
                  flush=True)

    def finish(self) -> None:
        self.done.set()
        print(f"  {self.what}: done in {time.monotonic() - self.start:.1f} s", file=sys.stderr,
              flush=True)


# -- MPyC comparison -----------------------------------------------------------------------------
def batcher_comparators(n: int) -> int:
    """Comparators of Batcher's merge exchange (TAOCP 5.2.2M), the network of MPyC's np_sort."""
    if n < 2:
        return 0
    t = (n - 1).bit_length()
    total, p, i = 0, 1 << (t - 1), np.arange(n)
    while p:
        d, q, r = p, 1 << (t - 1), 0
        while d:
            total += int(np.count_nonzero((i[:n - d] & p) == r))
            d, q, r = q - p, q >> 1, p
        p >>= 1
    return total


def scale_peer(op: str, seconds: float, peer_n: int, n: int) -> tuple[float, str]:
    """MPyC's time at peer_n elements scaled to n, with the rule used."""
    if op == "sort":
        factor = batcher_comparators(n) / max(batcher_comparators(peer_n), 1)
        return seconds * factor, "x comparators of Batcher's merge exchange at n / at peer_n"
    return seconds * n / peer_n, "linear in n (the op's rounds do not depend on n)"


def compare_with_mpyc(op: str, n: int, peer_n: int, bits: int, seed: int, ours: float) -> dict:
    from .mpyc_peer import run_mpyc

    progress = Progress(f"mpyc {op} n={peer_n} (3 processes)")
    peer = run_mpyc(op, peer_n, bits, seed)
    progress.finish()
    out = {"peer": "mpyc", "peer_n": peer_n, "peer_seconds": round(peer["seconds"], 6),
           "peer_bytes_sent": peer["bytes_sent"], "peer_check": "passed"}
    if ours <= 0:
        out["speedup"] = None
    elif peer_n == n:
        out["speedup"] = round(peer["seconds"] / ours, 2)
    else:
        scaled, rule = scale_peer(op, peer["seconds"], peer_n, n)
        out.update(peer_seconds_scaled=round(scaled, 3), peer_scaling=rule, speedup=None,
                   speedup_estimated=round(scaled / ours, 2))
    return out


# -- main ----------------------------------------------------------------------------------------
def run(args: argparse.Namespace, argv: list[str]) -> dict:
    started = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    machine = machine_info()
    progress = Progress(f"ours {args.op} n={args.n} ({args.transport})")
    m = measure_ours(args.op, args.n, args.ring, args.transport, args.algorithm, args.seed,
                     args.timeout)
    progress.finish()
    report = m.as_json()
    if not args.memory:
        report.pop("peak_rss_mib_per_party", None)
    elif args.transport != "tcp":
        report["peak_rss_mib_per_party"] = None  # the three parties share one process
    report.update(check="passed", seed=args.seed, date=started, machine=machine, timing=TIMING,
                  code=code_version(), command="python -m mpc_engine.bench " + shlex.join(argv))
    if args.vs == "mpyc":
        peer_n = args.peer_n or args.n
        report.update(compare_with_mpyc(args.op, args.n, peer_n, args.ring, args.seed, m.seconds))
    machine["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
    return report


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser().parse_args(argv)
    if args.n < 0 or (args.peer_n is not None and not 0 < args.peer_n <= args.n):
        print("error: --n must be >= 0 and 0 < --peer-n <= --n", file=sys.stderr)
        return 2
    try:
        report = run(args, argv)
    except (BenchCheckFailed, PeerFailed) as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key:>22}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
