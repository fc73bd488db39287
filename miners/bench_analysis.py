"""Benchmark a whole analysis over the miners' peer channel: `python -m miners.bench_analysis`.

Three processes on loopback, each a miner with its own `PeerNode` and uvicorn `PeerServer` (as
`miners.peering.bench`): the encrypted, authenticated websocket channel, the pairwise PRF keys from
its key agreement.  Each computes the run request of an annual period exactly as a miner's worker
does (`miners.runs.computation.compute` on additive shares like the stored ones, 64-bit ring): the
7 default indicators sorted, the ratio added value / employees, and the 3-period time series of
each indicator, over `--n` companies.  The outputs are reconstructed and compared with numpy's
plaintext computation: one wrong element fails the run (exit status 1).

Printed (stdout, one JSON object): seconds (the slowest party's `compute`), rounds, payload and
header bytes sent per party, each party's peak RSS (`ru_maxrss`) and its RSS before `compute`
(inputs loaded), the machine and the load.  Timing excludes process start and the handshake.

`--rtt-ms R` puts a user-space delay proxy (shared/RECIPES.md section 5) in front of each served
peer endpoint (miners 1 and 2): every byte is held R/2 ms in each direction, so every link's round
trip is R ms more.  `--sort N` instead times one sorted indicator (employees' range) of N companies
through the same `compute`, for its peak memory (`--sort-indicator CODE`: another default's range).

The shares are drawn from a seeded numpy generator (`--seed`) so that the three processes and the
checker agree without sending them: a benchmark's inputs, not a member's.  The default indicators
below mirror the portal's (consortium/portal/periods/indicator_sets.py and runs/plan.py, which the
miner may not import); tests/portal/runs/test_bench_fixture.py keeps them in sync.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from consortium.contract.share_arrays import decode

EUR = 10**12
# The portal's annual defaults: (code, lo, hi), in the periods' order.
ANNUAL = [("total_return", 0, EUR), ("employees", 0, 1_000_000), ("export_share", 0, 1000),
          ("added_value", -EUR, EUR), ("labour_costs", 0, EUR), ("training_costs", 0, EUR),
          ("profit", -EUR, EUR)]
RATIO = ("added_value_per_employee", "added_value", "employees")  # name, numerator, denominator
SERIES_PERIODS = 3
RING_BITS = 64
MASK = (1 << RING_BITS) - 1


# -- the data and the request (every process builds the same from the seed) -------------------------
def figures(n: int, seed: int, periods: int = SERIES_PERIODS, codes=ANNUAL) -> dict:
    """(period, company) -> None (no complete submission) or {code: value or None (not submitted)}.

    Plausible sizes within the ranges, with what a real period has: companies without an earlier
    submission (8 %), fields left empty (4 %), submitted values out of range (0.5 %, rejected),
    zero employees (no ratio) and ties (employees, export share)."""
    rng = np.random.default_rng(seed)
    employees = np.minimum(rng.lognormal(3.0, 1.5, size=(periods, n)).astype(np.int64), 1_000_000)
    employees[rng.random((periods, n)) < 0.01] = 0
    per_head = rng.lognormal(11.0, 0.8, size=(periods, n))
    columns = {
        "employees": employees,
        "total_return": (employees * per_head * 2).astype(np.int64),
        "export_share": rng.integers(0, 1001, size=(periods, n)),
        "added_value": (employees * per_head * rng.normal(0.4, 0.3, size=(periods, n))).astype(np.int64),
        "labour_costs": (employees * per_head * 0.3).astype(np.int64),
        "training_costs": (employees * rng.lognormal(5.0, 1.0, size=(periods, n))).astype(np.int64),
        "profit": (employees * per_head * rng.normal(0.05, 0.2, size=(periods, n))).astype(np.int64),
    }
    table = {}
    for p in range(periods):
        for c in range(n):
            if p < periods - 1 and rng.random() < 0.08:
                table[p, c] = None
                continue
            row = {}
            for code, lo, hi in codes:
                value = int(np.clip(columns[code][p, c], lo, hi))
                draw = rng.random()
                if draw < 0.04:
                    value = None
                elif draw < 0.045:
                    value = hi + 1 + int(rng.integers(0, 1000)) if draw < 0.0425 else lo - 1
                row[code] = value
            table[p, c] = row
    return table


def submission_ids(table: dict) -> dict:
    return {key: f"{key[0]}-{key[1]:07d}" for key, row in table.items() if row is not None}


def run_request(table: dict, sids: dict, n: int, periods: int = SERIES_PERIODS, codes=ANNUAL,
                ratio=RATIO) -> dict:
    """As the portal's `runs.plan.build_request` writes it (docs/api.md section 4)."""
    key = periods - 1
    companies = sorted(range(n), key=lambda c: sids[key, c])
    analyses = [{"kind": "sorted_indicator", "indicator": code, "lo": lo, "hi": hi, "descending": False}
                for code, lo, hi in codes]
    by_code = {code: (lo, hi) for code, lo, hi in codes}
    if ratio and ratio[1] in by_code and ratio[2] in by_code:
        (num_lo, num_hi), (den_lo, den_hi) = by_code[ratio[1]], by_code[ratio[2]]
        analyses.append({"kind": "ratio", "name": ratio[0], "numerator": ratio[1], "denominator": ratio[2],
                         "num_lo": num_lo, "num_hi": num_hi, "den_lo": den_lo, "den_hi": den_hi,
                         "frac_bits": 0})
    if periods > 1:
        analyses.extend({"kind": "time_series", "indicator": code, "lo": lo, "hi": hi,
                         "periods": list(range(periods)),
                         "rows": [[sids.get((p, c)) for c in companies] for p in range(periods)]}
                        for code, lo, hi in codes)
    return {"run_id": "00000000-0000-0000-0000-000000000000", "period": key, "ring": RING_BITS,
            "columns": [sids[key, c] for c in companies], "analyses": analyses, "portal_url": ""}


def party_inputs(table: dict, sids: dict, seed: int, index: int) -> dict:
    """Miner `index`'s stored shares: (submission id, code) -> (value share, flag share), additive."""
    rng = np.random.default_rng([seed, 1])
    inputs = {}
    for key in sorted(sids):
        for code, value in table[key].items():
            secret = np.array([0 if value is None else value & MASK, 0 if value is None else 1],
                              dtype=np.uint64)
            s0, s1 = rng.integers(0, MASK, size=(2, 2), dtype=np.uint64, endpoint=True)
            shares = (s0, s1, secret - s0 - s1)
            inputs[sids[key], code] = (int(shares[index][0]), int(shares[index][1]))
    return inputs


# -- the plaintext check -----------------------------------------------------------------------------
def valid_value(value, lo, hi) -> bool:
    return value is not None and lo <= value <= hi


def expected(table: dict, request: dict) -> list:
    """numpy's (plaintext) outputs, in the request's order; time series columns in a canonical order."""
    index = {sid: key for key, sid in submission_ids(table).items()}

    def cell(sid, code):
        return None if sid is None else table[index[sid]][code]

    out = []
    for a in request["analyses"]:
        if a["kind"] == "sorted_indicator":
            vals = [cell(s, a["indicator"]) for s in request["columns"]]
            bad = sum(v is not None and not valid_value(v, a["lo"], a["hi"]) for v in vals)
            good = np.sort(np.array([v for v in vals if valid_value(v, a["lo"], a["hi"])], dtype=np.int64))
            out.append({"count": len(good), "rejected": bad,
                        "values": good[::-1] if a["descending"] else good})
        elif a["kind"] == "ratio":
            nums = [cell(s, a["numerator"]) for s in request["columns"]]
            dens = [cell(s, a["denominator"]) for s in request["columns"]]
            bad = sum(v is not None and not valid_value(v, a["num_lo"], a["num_hi"]) for v in nums)
            bad += sum(v is not None and not valid_value(v, a["den_lo"], a["den_hi"]) for v in dens)
            q = [_trunc_div(x << a["frac_bits"], y) for x, y in zip(nums, dens, strict=True)
                 if valid_value(x, a["num_lo"], a["num_hi"]) and y
                 and valid_value(y, a["den_lo"], a["den_hi"])]
            out.append({"count": len(q), "rejected": bad, "values": np.sort(np.array(q, dtype=np.int64))})
        else:
            rows = [[cell(s, a["indicator"]) for s in row] for row in a["rows"]]
            ok = [[valid_value(v, a["lo"], a["hi"]) for v in row] for row in rows]
            rejected = [sum(v is not None and not g for v, g in zip(r, o, strict=True))
                        for r, o in zip(rows, ok, strict=True)]
            keep = [c for c in range(len(rows[-1])) if ok[-1][c]]
            cols = [tuple([rows[p][c] if ok[p][c] else 0 for p in range(len(rows))]
                          + [int(ok[p][c]) for p in range(len(rows))]) for c in keep]
            out.append({"count": len(keep), "rejected": rejected, "columns": _canonical(cols, len(rows))})
    return out


def _trunc_div(x: int, y: int) -> int:
    q = abs(x) // abs(y)
    return q if (x < 0) == (y < 0) else -q


def _canonical(columns: list, periods: int) -> list:
    """Sorted by the key period, ties (whose order is secret and random) by the whole column."""
    return sorted(columns, key=lambda col: (col[periods - 1], col))


def reconstructed(results: list, request: dict) -> list:
    """The three parties' outputs put together, as the portal does (both copies of every component
    compared), as signed integers."""
    out = []
    for k, a in enumerate(request["analyses"]):
        entries = [r["outputs"][k] for r in results]
        count = entries[0]["count"]
        if any(e["count"] != count or e["rejected"] != entries[0]["rejected"] for e in entries):
            raise AssertionError(f"analysis {k}: the parties disagree on the counts")
        if "a" in entries[0]:
            out.append({"count": count, "rejected": entries[0]["rejected"],
                        "values": _open([(e["a"], e["b"]) for e in entries], count)})
            continue
        rows = [_open([(e["rows"][p]["a"], e["rows"][p]["b"]) for e in entries], count)
                for p in range(len(a["rows"]))]
        present = [_open([(e["present"][p]["a"], e["present"][p]["b"]) for e in entries], count)
                   for p in range(len(a["rows"]))]
        cols = [tuple([int(r[c]) for r in rows] + [int(f[c]) for f in present]) for c in range(count)]
        if any(col[len(rows) - 1] > nxt[len(rows) - 1] for col, nxt in zip(cols, cols[1:], strict=False)):
            raise AssertionError(f"analysis {k}: the time series is not sorted by its key period")
        out.append({"count": count, "rejected": entries[0]["rejected"],
                    "columns": _canonical(cols, len(rows))})
    return out


def _open(pairs, count: int) -> np.ndarray:
    from mpc_engine.sharing import reconstruct_replicated

    arrays = [(decode(RING_BITS, a, count), decode(RING_BITS, b, count)) for a, b in pairs]
    return reconstruct_replicated(arrays).view(np.int64)


def check(got: list, want: list) -> list[str]:
    """Every difference, by analysis index (empty: all equal)."""
    wrong = []
    for k, (g, w) in enumerate(zip(got, want, strict=True)):
        if g["count"] != w["count"] or g["rejected"] != w["rejected"]:
            wrong.append(f"analysis {k}: count/rejected {g['count']}/{g['rejected']}, "
                         f"expected {w['count']}/{w['rejected']}")
        elif "values" in w and not np.array_equal(g["values"], w["values"]):
            wrong.append(f"analysis {k}: values differ")
        elif "columns" in w and g["columns"] != w["columns"]:
            wrong.append(f"analysis {k}: time series columns differ")
    return wrong


def sort_request(n: int, seed: int, code: str = "employees") -> tuple[dict, list]:
    """One sorted indicator (a default's range) of n companies, every 50th empty: the plaintext
    table and the indicator."""
    codes = [c for c in ANNUAL if c[0] == code]
    _, lo, hi = codes[0]
    rng = np.random.default_rng(seed)
    values = rng.integers(lo, hi, size=n, endpoint=True)
    table = {(0, c): {code: int(values[c]) if c % 50 else None} for c in range(n)}
    return table, codes


# -- one party --------------------------------------------------------------------------------------
def _rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _party_main(index: int) -> None:
    from miners.peering.bench import join
    from miners.runs.computation import compute
    from mpc_engine.party import Party
    from mpc_engine.ring import ring_for

    node, server, config = join(index, lambda config: config["seed_keys"][index])
    print(json.dumps({"serving": index}), flush=True)  # no one dials before every server listens
    sys.stdin.readline()
    try:
        table, request = _problem(config)
        inputs = party_inputs(table, submission_ids(table), config["seed"], index)
        del table
        transport = node.open_run(bytes.fromhex(config["run_id"]), timeout=600)
        try:
            party = Party(transport, ring_for(RING_BITS))
            party.set_pairwise_keys(*transport.pairwise_keys())
            one = np.zeros(1, dtype=np.uint64)  # start together: one round
            party.exchange(to_next=one, to_prev=one, from_next=(np.uint64, 1), from_prev=(np.uint64, 1))
            party.reset_counters()
            rss_before = _rss_mib()
            start = time.perf_counter()
            outputs = compute(party, request, inputs)
            seconds = time.perf_counter() - start
            counter = transport.counter
            result = {"seconds": seconds, "rounds": party.rounds, "bytes": counter.bytes_sent,
                      "header_bytes": counter.header_bytes_sent, "messages": counter.messages_sent,
                      "rss_before_compute_mib": round(rss_before, 1),
                      "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                      "outputs": outputs}
        finally:
            transport.close()
    finally:
        if server:
            server.stop()
        node.close()
    with open(os.path.join(config["out_dir"], f"party{index}.json"), "w", encoding="utf-8") as f:
        json.dump(result, f)  # outputs of megabytes: a file, not a pipe shared with uvicorn's threads
    print(json.dumps({"done": index}), flush=True)


def _problem(config: dict) -> tuple[dict, dict]:
    if config["sort"]:
        table, codes = sort_request(config["sort"], config["seed"], config["sort_code"])
        return table, run_request(table, submission_ids(table), config["sort"], periods=1, codes=codes)
    table = figures(config["n"], config["seed"])
    return table, run_request(table, submission_ids(table), config["n"])


# -- the delay proxy (shared/RECIPES.md section 5) ----------------------------------------------------
async def _pipe(reader, writer, delay: float) -> None:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()

    async def receive():
        while data := await reader.read(1 << 16):
            await queue.put((loop.time() + delay, data))
        await queue.put((None, None))

    async def forward():
        while True:
            due, data = await queue.get()
            if data is None:
                writer.close()
                return
            await asyncio.sleep(max(0.0, due - loop.time()))
            writer.write(data)
            await writer.drain()

    await asyncio.gather(receive(), forward())


class DelayProxy:
    """127.0.0.1:port -> target, every chunk held `one_way` seconds in each direction, in order."""

    def __init__(self, target_port: int, one_way: float):
        self.loop = asyncio.new_event_loop()
        self.target_port, self.one_way = target_port, one_way
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True, name="delay-proxy")
        self.thread.start()
        ready.wait(10)

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)

        async def handle(r, w):
            ur, uw = await asyncio.open_connection("127.0.0.1", self.target_port)
            await asyncio.gather(_pipe(r, uw, self.one_way), _pipe(ur, w, self.one_way),
                                 return_exceptions=True)

        self.server = self.loop.run_until_complete(asyncio.start_server(handle, "127.0.0.1", 0))
        self.port = self.server.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def _proxied(url: str, one_way: float, proxies: list) -> str:
    host_port, path = url.removeprefix("ws://").split("/", 1)
    proxy = DelayProxy(int(host_port.rsplit(":", 1)[1]), one_way)
    proxies.append(proxy)
    return f"ws://127.0.0.1:{proxy.port}/{path}"


# -- the driver ---------------------------------------------------------------------------------------
def machine() -> dict:
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        pass
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,  # noqa: S607
                            text=True, check=False).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
                           capture_output=True, text=True, check=False).stdout.strip()
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "commit": commit + ("+dirty" if dirty else ""),
            "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}


def _read_json(path: str):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def run(n: int, seed: int, rtt_ms: float, sort: int, out_dir: str,
        sort_code: str = "employees") -> tuple[dict, list]:
    keys = [Ed25519PrivateKey.generate() for _ in range(3)]
    seed_keys = [base64.b64encode(k.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())).decode()
                 for k in keys]
    from miners.peering.secure import public_key_b64

    public = [public_key_b64(k) for k in keys]
    procs = [subprocess.Popen([sys.executable, "-m", "miners.bench_analysis", "--party", str(i)],  # noqa: S603
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for i in range(3)]
    proxies: list = []
    try:
        urls = [json.loads(p.stdout.readline())["url"] for p in procs]
        if rtt_ms:
            urls = [_proxied(u, rtt_ms / 2000, proxies) if u else None for u in urls]
        config = {"seed_keys": seed_keys, "public_keys": public, "urls": urls, "run_id": os.urandom(16).hex(),
                  "seed": seed, "n": n, "sort": sort, "sort_code": sort_code, "out_dir": out_dir}
        for p in procs:
            p.stdin.write(json.dumps(config) + "\n")
            p.stdin.flush()
        if None in [json.loads(p.stdout.readline() or "null") for p in procs]:
            raise RuntimeError("a party's server did not start")
        for p in procs:
            p.stdin.write("go\n")
            p.stdin.flush()
        done = [json.loads(p.stdout.readline() or "null") for p in procs]
        for p in procs:
            p.wait(120)
        results = [_read_json(os.path.join(out_dir, f"party{i}.json")) if d else None
                   for i, d in enumerate(done)]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for proxy in proxies:
            proxy.close()
    if any(r is None for r in results) or any(p.returncode for p in procs):
        raise RuntimeError("a party failed (its error is above)")
    return config, results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="companies (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="the figures and shares (default 1)")
    parser.add_argument("--rtt-ms", type=float, default=0.0,
                        help="round trip added to every peer link by a delay proxy (default 0)")
    parser.add_argument("--sort", type=int, default=0, metavar="N",
                        help="instead: one sorted indicator of N companies (peak memory)")
    parser.add_argument("--sort-indicator", default="employees", choices=[c for c, _, _ in ANNUAL],
                        help="the default indicator whose range --sort uses (default employees: 20 bits)")
    parser.add_argument("--party", type=int, choices=(0, 1, 2), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.party is not None:
        _party_main(args.party)
        return 0
    about = machine()
    print(f"{'sort of ' + str(args.sort) if args.sort else f'analysis of {args.n} companies'}, "
          f"rtt {args.rtt_ms} ms ...", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="bench-analysis-") as out_dir:
        config, results = run(args.n, args.seed, args.rtt_ms, args.sort, out_dir, args.sort_indicator)
    table, request = _problem(config)
    wrong = check(reconstructed(results, request), expected(table, request))
    report = {
        "what": (f"sorted indicator {args.sort_indicator} of {args.sort}" if args.sort
                 else f"annual analysis of {args.n} companies"),
        "analyses": len(request["analyses"]), "ring": RING_BITS, "rtt_ms": args.rtt_ms,
        "seconds": round(max(r["seconds"] for r in results), 3),
        "rounds": max(r["rounds"] for r in results),
        "bytes_per_party": [r["bytes"] for r in results],
        "header_bytes_per_party": [r["header_bytes"] for r in results],
        "rss_before_compute_mib_per_party": [r["rss_before_compute_mib"] for r in results],
        "peak_rss_mib_per_party": [r["peak_rss_mib"] for r in results],
        "checked": "ok" if not wrong else wrong,
        "machine": about, "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "command": "python -m miners.bench_analysis " + " ".join(sys.argv[1:] if argv is None else argv),
    }
    print(json.dumps(report, indent=1))
    if wrong:
        print("MISMATCH: " + "; ".join(wrong), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
