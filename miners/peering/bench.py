"""Measure the peer channel on loopback with three processes: `python -m miners.peering.bench`.

Each miner is its own process serving /peer/ws with uvicorn (miners 1 and 2) and dialing with
`websockets` (miners 0 and 1), as deployed.  Figures, as in PROTOCOLS.md 7:
  - the median round trip of 16 bytes (miner 0 -> miner 1 -> miner 0),
  - the throughput of 1 MiB messages (miner 0 -> miner 1, until miner 1 acknowledges the last),
  - 1,000 rounds in which every miner sends 16 bytes to both others and receives from both.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from .secure import public_key_b64

ROUND_TRIPS = 1000
BIG_MESSAGES = 200
SMALL_ROUNDS = 1000
MIB = 1 << 20


def join(index: int, private_key_of) -> tuple:
    """A benchmark party's node on loopback: listen (miners 1 and 2: the lower index dials), tell the
    driver the URL on stdout, read the configuration from stdin, build the node and serve.
    `private_key_of(config)` picks this miner's key from it. Returns (node, server or None, config)."""
    from django.conf import settings

    if not settings.configured:
        settings.configure()  # Channels reads CHANNEL_LAYERS: none here
    from .node import PeerNode
    from .server import PeerServer, listen_socket, url_of

    sock = listen_socket() if index > 0 else None
    print(json.dumps({"url": url_of(sock) if sock else None}), flush=True)
    config = json.loads(sys.stdin.readline())
    unused = "ws://127.0.0.1:9/unused"  # miner 0 is never dialed
    peers = {j: (config["urls"][j] or unused, config["public_keys"][j]) for j in range(3) if j != index}
    node = PeerNode.from_config(index, private_key_of(config), peers)
    return node, (PeerServer(node, sock) if sock else None), config


def _party_main(index: int) -> None:
    node, server, config = join(index, lambda config: config["seed"])
    try:
        transport = node.open_run(bytes.fromhex(config["run_id"]), timeout=30)
        try:
            result = _measure(index, transport)
        finally:
            transport.close()
    finally:
        if server:
            server.stop()
        node.close()
    print(json.dumps(result), flush=True)


def _measure(i: int, t) -> dict:
    small = np.zeros(2, dtype=np.uint64)  # 16 bytes
    op = 0
    times = []
    for _ in range(ROUND_TRIPS):
        op += 1
        if i == 0:
            start = time.perf_counter()
            t.send(1, small, op)
            t.recv(1, op, np.uint64, 2)
            times.append(time.perf_counter() - start)
        elif i == 1:
            t.send(0, t.recv(0, op, np.uint64, 2), op)
    big = np.zeros(MIB // 8, dtype=np.uint64)
    start = time.perf_counter()
    for _ in range(BIG_MESSAGES):
        op += 1
        if i == 0:
            t.send(1, big, op)
        elif i == 1:
            t.recv(0, op, np.uint64, big.size)
    op += 1
    if i == 1:
        t.send(0, small, op)
    elif i == 0:
        t.recv(1, op, np.uint64, 2)
    big_seconds = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(SMALL_ROUNDS):
        op += 1
        for j in ((i + 1) % 3, (i + 2) % 3):
            t.send(j, small, op)
        for j in ((i + 1) % 3, (i + 2) % 3):
            t.recv(j, op, np.uint64, 2)
    rounds_seconds = time.perf_counter() - start
    if i != 0:
        return {}
    return {"round_trip_median_us": round(statistics.median(times) * 1e6),
            "mib_messages_mb_per_s": round(BIG_MESSAGES * MIB / big_seconds / 1e6),
            "small_rounds_seconds": round(rounds_seconds, 3)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--party", type=int, choices=(0, 1, 2), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.party is not None:
        _party_main(args.party)
        return 0
    ids = [Ed25519PrivateKey.generate() for _ in range(3)]
    seeds = [base64.b64encode(k.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())).decode()
             for k in ids]
    public = [public_key_b64(k) for k in ids]
    procs = [subprocess.Popen([sys.executable, "-m", "miners.peering.bench", "--party", str(i)],  # noqa: S603
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for i in range(3)]
    try:
        urls = [json.loads(p.stdout.readline())["url"] for p in procs]
        run_id = os.urandom(16).hex()
        for i, p in enumerate(procs):
            p.stdin.write(json.dumps({"seed": seeds[i], "public_keys": public, "urls": urls,
                                      "run_id": run_id}) + "\n")
            p.stdin.flush()
        results = [json.loads(p.stdout.readline() or "null") for p in procs]
        for p in procs:
            p.wait(60)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    if any(r is None for r in results) or any(p.returncode for p in procs):
        print("a party failed", file=sys.stderr)
        return 1
    r = results[0]
    print("| carrier | 16 B round trip (median) | 1 MiB messages | 1,000 small rounds |")
    print("|---|---|---|---|")
    print(f"| peer channel (websockets client <-> Channels consumer on uvicorn, ChaCha20-Poly1305) | "
          f"{r['round_trip_median_us']:,} us | ~{r['mib_messages_mb_per_s']:,} MB/s | "
          f"{r['small_rounds_seconds']} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
