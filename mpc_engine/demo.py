"""`python -m mpc_engine demo`: three parties sort synthetic company profits obliviously.

The figures are test data from an AES-CTR stream keyed by a fixed seed (reproducible,
not secret; numpy's generators have no place in this package); the shares and every
mask come from the engine's CSPRNG as always.
The sorted result is checked against numpy's sort of the same figures.
"""

from __future__ import annotations

import hashlib
import sys
import time

import numpy as np

from .launch import PartyFailed, secret_sort
from .randomness import KEY_BYTES, KeyedStream
from .ring import RING32, Ring

SEED = 20240101
MEAN_PROFIT_EUR = 1_500_000
SPREAD_EUR = 4_000_000  # wide enough that about a third of the companies make a loss
ROWS_SHOWN = 5  # first and last rows of the table


def synthetic_profits(n: int, ring: Ring = RING32) -> np.ndarray:
    """n companies' annual profits in euros, some negative, within the ring's signed range."""
    stream = KeyedStream(hashlib.sha256(str(SEED).encode()).digest()[:KEY_BYTES])
    # Irwin-Hall: the sum of 12 uniforms on [0, 1) minus 6 is close to a standard normal
    uniforms = stream.array(1, np.uint32, (12, n)).astype(np.float64) / 2.0**32
    normal = uniforms.sum(axis=0) - 6.0
    profits = np.rint(MEAN_PROFIT_EUR + SPREAD_EUR * normal).astype(np.int64)
    return np.clip(profits, ring.signed_min, ring.signed_max)


def run_demo(n: int = 200, transport: str = "tcp", ring: Ring = RING32) -> int:
    """Run, print the table and the costs; 0 if every value matches numpy, else 1."""
    profits = synthetic_profits(n, ring)
    print(f"Oblivious sort of {n} companies' annual profits (EUR): 3 parties, "
          f"{transport} transport, Z_2^{ring.bits}", flush=True)
    start = time.perf_counter()
    try:
        mpc, result, protocol_seconds = secret_sort(profits.tolist(), ring, transport,
                                                    progress=True)
    except PartyFailed as exc:
        print(f"error: the computation failed: {exc}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - start
    expected = np.sort(profits)
    print(format_table(mpc, expected))
    matches = np.array_equal(mpc.astype(np.int64), expected)
    print(f"all {n} values match" if matches
          else f"MISMATCH: {int(np.sum(mpc != expected))} of {n} values differ")
    print(format_costs(result, seconds, protocol_seconds))
    return 0 if matches else 1


def format_table(mpc: np.ndarray, expected: np.ndarray) -> str:
    n = len(expected)
    shown = list(range(n)) if n <= 2 * ROWS_SHOWN else (
        list(range(ROWS_SHOWN)) + [None] + list(range(n - ROWS_SHOWN, n)))
    lines = [f"{'rank':>6}  {'MPC result':>16}  {'numpy check':>16}"]
    for i in shown:
        if i is None:
            lines.append(f"{'...':>6}")
            continue
        flag = "" if mpc[i] == expected[i] else "  <-- differs"
        lines.append(f"{i + 1:>6}  {int(mpc[i]):>16,}  {int(expected[i]):>16,}{flag}")
    return "\n".join(lines)


def format_costs(result, seconds: float, protocol_seconds: float) -> str:
    rounds = result.stats[0].rounds
    sent = max(s.bytes_sent for s in result.stats)
    return (f"{rounds} rounds; at most {_human_bytes(sent)} sent per party; "
            f"{seconds:.2f} s in all ({protocol_seconds:.2f} s in the protocol)")


def _human_bytes(n: int) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.2f} {unit}"
    return f"{n} bytes"
