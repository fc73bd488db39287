"""The MPyC side of the benchmark: the same job, run by MPyC (lschoe/mpyc) at three processes.

A peer process is `python -m mpc_engine.bench.mpyc_peer -M3 -I i -P host:port (x3) --no-log
--bench-op OP --bench-n N --bench-ring K --bench-seed S`; the `-M/-I/-P` options are MPyC's
own (read by `import mpyc`).  It derives the inputs from the seed as our side does
(`jobs.make_inputs`), party 0 inputs them, then, with the clock running, computes the op
on MPyC's secure numpy arrays (`SecInt(K).array`: `*`, `<`, `==`, `mpc.np_sort`) until
its shares are ready; the result is then output (untimed) and checked against numpy.  It
prints one JSON line.  `run_mpyc` starts the three peers on loopback and gathers them.

MPyC's `SecInt(K)` is an integer of K bits in a prime field, not Z_2^K: a product or
difference must stay inside K bits, so MPyC gets inputs of K/2 bits for `mul` and K-1
bits otherwise (its cost does not depend on the values).  MPyC has no secret/secret
integer division (`SecInt // x` needs a public x), so `div` is not run here.
MPyC is an optional extra (`pip install .[bench]`): it is imported only in a peer.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import numpy as np

from .jobs import check, make_inputs

SUPPORTED = ("mul", "lt", "eq", "sort")
HOST = "127.0.0.1"
POLL_SECONDS = 0.1  # how often the launcher looks whether a peer has exited


class PeerFailed(RuntimeError):
    """An MPyC peer exited with an error, timed out, or revealed a wrong result."""


def input_width(op: str, bits: int) -> int:
    """The value width MPyC's `SecInt(bits)` computes on correctly for `op` (see module doc)."""
    return bits // 2 if op == "mul" else bits - 1


# -- in a peer process --------------------------------------------------------------------------
def _parse(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(allow_abbrev=False, add_help=False)
    parser.add_argument("--bench-op", choices=SUPPORTED, required=True)
    parser.add_argument("--bench-n", type=int, required=True)
    parser.add_argument("--bench-ring", type=int, choices=(32, 64), default=32)
    parser.add_argument("--bench-seed", type=int, default=1)
    return parser.parse_known_args(argv)[0]  # the rest is MPyC's


def _compute(mpc, op: str, x, y):
    if op == "mul":
        return x * y
    if op == "lt":
        return x < y
    if op == "eq":
        return x == y
    return mpc.np_sort(x)


def _bytes_sent(mpc) -> int:
    return sum(p.protocol.nbytes_sent for p in mpc.parties if p.pid != mpc.pid)


async def _job(mpc, op: str, n: int, bits: int, seed: int) -> dict:
    secint = mpc.SecInt(bits)
    await mpc.start()
    plain = make_inputs(op, n, bits, seed, input_width(op, bits))
    mine = plain if mpc.pid == 0 else [np.zeros(n, dtype=np.int64)] * len(plain)
    shared = [mpc.input(secint.array(v.astype(np.int64)), senders=0) for v in mine]
    await mpc.gather(*shared)
    await mpc.transfer(mpc.pid)  # all three reach the clock together
    sent = _bytes_sent(mpc)
    start = time.perf_counter()
    result = _compute(mpc, op, shared[0], shared[-1])
    await mpc.gather(result)
    seconds = time.perf_counter() - start
    sent = _bytes_sent(mpc) - sent
    opened = np.asarray(await mpc.output(result)).astype(np.int64)
    await mpc.shutdown()
    report = {"pid": mpc.pid, "op": op, "n": n, "seconds": seconds, "bytes_sent": sent}
    try:
        check(op, plain, opened)
        report["check"] = "passed"
    except AssertionError as exc:
        report["check"] = str(exc)
    return report


def main(argv=None) -> None:
    args = _parse(sys.argv[1:] if argv is None else argv)
    from mpyc.runtime import mpc  # the optional dependency, only in a peer process

    report = mpc.run(_job(mpc, args.bench_op, args.bench_n, args.bench_ring, args.bench_seed))
    print(json.dumps(report), flush=True)


# -- in the launcher ----------------------------------------------------------------------------
def _free_ports(count: int) -> list[int]:
    """Ports the OS says are free now (MPyC binds them itself a moment later)."""
    socks = [socket.socket() for _ in range(count)]
    try:
        for s in socks:
            s.bind((HOST, 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def peer_command(index: int, ports: list[int], op: str, n: int, bits: int, seed: int) -> list[str]:
    cmd = [sys.executable, "-m", "mpc_engine.bench.mpyc_peer", "-M3", "-I", str(index), "--no-log"]
    for port in ports:
        cmd += ["-P", f"{HOST}:{port}"]
    return cmd + ["--bench-op", op, "--bench-n", str(n), "--bench-ring", str(bits),
                  "--bench-seed", str(seed)]


def run_mpyc(op: str, n: int, bits: int = 32, seed: int = 1, timeout: float = 3600.0) -> dict:
    """Run MPyC's version of `op` at three loopback processes; its seconds and bytes per party.

    Raises `PeerFailed` if a peer fails (the others are then stopped), if the run takes
    over `timeout` seconds, or if a peer reveals a wrong result.  Figures are the
    maximum over the three peers.
    """
    if op not in SUPPORTED:
        why = " (MPyC has no secret/secret integer division)" if op == "div" else ""
        raise PeerFailed(f"MPyC peer does not run {op!r}{why}")
    ports = _free_ports(3)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with contextlib.ExitStack() as stack:
        files = [(stack.enter_context(tempfile.TemporaryFile("w+")),
                  stack.enter_context(tempfile.TemporaryFile("w+"))) for _ in range(3)]
        procs = [subprocess.Popen(peer_command(i, ports, op, n, bits, seed), env=env,  # noqa: S603
                                  stdout=out, stderr=err, text=True)
                 for i, (out, err) in enumerate(files)]
        try:
            _wait(procs, time.monotonic() + timeout)
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                p.wait()
        # the peer that failed on its own first, not the ones we stopped because of it
        order = sorted(range(3), key=lambda i: procs[i].returncode == -signal.SIGKILL)
        reports = [_report(i, procs[i].returncode, *files[i]) for i in order]
    failed = [r for r in reports if r["check"] != "passed"]
    if failed:
        raise PeerFailed(f"MPyC peer {failed[0]['pid']}: {failed[0]['check']}")
    return {"seconds": max(r["seconds"] for r in reports),
            "bytes_sent": max(r["bytes_sent"] for r in reports)}


def _wait(procs, deadline: float) -> None:
    """Until all three exit, or one fails (the caller stops the others), or the deadline."""
    while True:
        codes = [p.poll() for p in procs]
        if None not in codes or any(c not in (None, 0) for c in codes):
            return
        if time.monotonic() > deadline:
            raise PeerFailed("MPyC peers timed out")
        time.sleep(POLL_SECONDS)


def _report(index: int, code: int, out, err) -> dict:
    out.seek(0)
    err.seek(0)
    lines = [line for line in out.read().splitlines() if line.startswith("{")]
    if code != 0 or not lines:
        tail = err.read().strip().splitlines()[-1:] or ["no output"]
        raise PeerFailed(f"MPyC peer {index} exited with code {code}: {tail[0]}")
    return json.loads(lines[-1])


if __name__ == "__main__":
    main()
