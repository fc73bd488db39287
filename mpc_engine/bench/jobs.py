"""Our side of the benchmark: inputs, the timed program each party runs, the result check.

Inputs are benchmark data, not secrets: they come from an AES-CTR stream keyed by the
seed (`randomness.KeyedStream`), so the launcher, our parties and the MPyC peers all
derive the same plaintext.  Party 0 holds it as the additive sharing (x, 0, 0), which
`from_additive` reshares with a zero-sharing mask into uniformly random replicated
shares, before the clock starts.  The clock covers the protocol only; the result is
then revealed (untimed) and checked against numpy, so a benchmark that computes
garbage fast fails loudly.
"""

from __future__ import annotations

import hashlib
import resource
import time
from dataclasses import dataclass, field

import numpy as np

from ..party import Party
from ..protocols.arithmetic import from_additive, mul, reveal
from ..randomness import KeyedStream
from ..ring import ring_for
from ..runner import run_local
from ..sharing import BoolShares

OPS = ("mul", "lt", "eq", "div", "sort")
ALGORITHMS = ("auto", "batcher", "radix")
ARITY = {"mul": 2, "lt": 2, "eq": 2, "div": 2, "sort": 1}
TIMING = "protocol only, excludes process start and key set-up"
DEFAULT_TIMEOUT = 600.0  # seconds a party waits for one message: a 10^6 sort has long local steps


class BenchCheckFailed(AssertionError):
    """The revealed result differs from numpy's: the benchmark measured a wrong protocol."""


# -- inputs ------------------------------------------------------------------------------------
def _stream(seed: int) -> KeyedStream:
    key = hashlib.sha256(b"consortium-mpc bench inputs %d" % seed).digest()[:16]
    return KeyedStream(key)


def _signed(stream: KeyedStream, tag: int, n: int, bits: int, width: int) -> np.ndarray:
    """n values uniform in the signed `width`-bit range, as the ring's signed dtype."""
    ring = ring_for(bits)
    raw = stream.array(tag, ring.dtype, (n,)).view(ring.signed_dtype)
    return raw >> (bits - width)  # arithmetic shift keeps the sign


def _edges(width: int) -> list[int]:
    lo, hi = -(1 << (width - 1)), (1 << (width - 1)) - 1
    return [0, 1, -1, hi, lo]  # in the ring, -1 is 2^k - 1 and lo is 2^(k-1)


def make_inputs(op: str, n: int, bits: int, seed: int, width: int | None = None) -> list[np.ndarray]:
    """The plaintext inputs of `op` on n elements, signed values of at most `width` bits.

    Edge pairs (0, 1, -1, max, min of the width) come first, then random values; `eq`
    makes about half its pairs equal and `sort` draws half its keys from 16 values, so
    both outcomes and equal keys occur.  Our side uses the full ring (width = bits).
    """
    width = width or bits
    stream = _stream(seed)
    dtype = ring_for(bits).signed_dtype
    xs = [_signed(stream, tag, n, bits, width) for tag in range(1, ARITY[op] + 1)]
    mask = (stream.array(9, np.uint8, (n,)) & 1).astype(bool)
    edges = np.array(_edges(width), dtype=np.int64).astype(dtype)
    if op == "sort":
        xs[0] = np.where(mask, xs[0], xs[0] >> (width - 4))
        head = min(n, len(edges))
        xs[0][:head] = edges[:head]
        return xs
    if op == "div":
        xs[1] = _divisors(xs[1], stream, width)
    if op == "eq":
        xs[1] = np.where(mask, xs[0], xs[1])
    pairs = np.array([(a, b) for a in edges for b in edges]).T.astype(dtype)
    head = min(n, pairs.shape[1])
    xs[0][:head], xs[1][:head] = pairs[0][:head], pairs[1][:head]
    return xs


def _divisors(y: np.ndarray, stream: KeyedStream, width: int) -> np.ndarray:
    """Divisors of every magnitude: each shifted right by a random 0..width-2 bits."""
    shift = (stream.array(10, np.uint8, y.shape) % (width - 1)).astype(y.dtype)
    return y >> shift


# -- the reference -----------------------------------------------------------------------------
def expected(op: str, inputs: list[np.ndarray]) -> np.ndarray:
    """What `op` must reveal, as signed integers (bits as 0/1), computed in plaintext numpy."""
    x = inputs[0]
    if op == "sort":
        return np.sort(x)
    y = inputs[1]
    if op == "mul":  # the ring's wrap-around: multiply as unsigned, read back as signed
        udtype = np.dtype(f"u{x.dtype.itemsize}")
        return (x.view(udtype) * y.view(udtype)).view(x.dtype)
    if op == "lt":
        return (x < y).astype(x.dtype)
    if op == "eq":
        return (x == y).astype(x.dtype)
    if op == "div":
        return _truncated_quotient(x, y)
    raise ValueError(f"unknown op {op!r}")


def _truncated_quotient(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x / y truncated toward zero, 0 where y == 0, -2^(k-1) / -1 wrapping (`division.div`)."""
    udtype = np.dtype(f"u{x.dtype.itemsize}")
    ux, uy = x.view(udtype), y.view(udtype)
    ux = np.where(x < 0, -ux, ux)  # |x| as unsigned: exact even for -2^(k-1)
    uy = np.where(y < 0, -uy, uy)
    q = ux // np.where(uy == 0, udtype.type(1), uy)
    q = np.where((x < 0) != (y < 0), -q, q)
    return np.where(y == 0, udtype.type(0), q).view(x.dtype)


def check(op: str, inputs: list[np.ndarray], output, reference=expected) -> None:
    """Raise `BenchCheckFailed` unless `output` equals `reference(op, inputs)` everywhere."""
    want = np.asarray(reference(op, inputs))
    got = np.asarray(output)
    if got.shape != want.shape:
        raise BenchCheckFailed(f"{op}: result has shape {got.shape}, expected {want.shape}")
    bad = np.flatnonzero(got.astype(np.int64) != want.astype(np.int64)) if want.size else []
    if len(bad):
        raise BenchCheckFailed(f"{op}: {len(bad)} of {want.size} results wrong "
                               f"(first at index {int(bad[0])})")


# -- the program each party runs ---------------------------------------------------------------
def _run_op(party: Party, op: str, inputs, algorithm: str):
    """The timed protocol; imports are here so that a piece not yet built fails only its op."""
    if op == "mul":
        return mul(party, inputs[0], inputs[1])
    if op == "lt":
        from ..protocols.compare import lt

        return lt(party, inputs[0], inputs[1])
    if op == "eq":
        from ..protocols.compare import eq

        return eq(party, inputs[0], inputs[1])
    if op == "div":
        from ..protocols.division import div

        return div(party, inputs[0], inputs[1], signed=True)
    if op == "sort":
        from ..sorting import sort_values

        return sort_values(party, inputs[0], algorithm=algorithm)
    raise ValueError(f"unknown op {op!r}")


def _sync(party: Party) -> None:
    """One one-byte round with both neighbours, so that all three clocks start together."""
    ping = np.zeros(1, dtype=np.uint8)
    party.exchange(to_next=ping, to_prev=ping, from_next=(np.uint8, 1), from_prev=(np.uint8, 1))


def _share_inputs(party: Party, op: str, n: int, seed: int):
    """Party 0 holds the plaintext as additive share (x, 0, 0); one resharing round for all."""
    ring = party.ring
    k = ARITY[op]
    if party.pid == 0:
        flat = np.concatenate(make_inputs(op, n, ring.bits, seed)).view(ring.dtype)
    else:
        flat = ring.zeros(k * n)
    joint = from_additive(party, flat)
    return [joint[i * n:(i + 1) * n] for i in range(k)]


def bench_program(party: Party, op: str, n: int, seed: int, algorithm: str = "auto") -> dict:
    """Share the inputs, time `op`, reveal the result (untimed). Returns this party's figures."""
    inputs = _share_inputs(party, op, n, seed)
    _sync(party)
    rounds, sent = party.rounds, party.bytes_sent
    start = time.perf_counter()
    result = _run_op(party, op, inputs, algorithm)
    seconds = time.perf_counter() - start
    rounds, sent = party.rounds - rounds, party.bytes_sent - sent
    opened = reveal(party, result)
    if isinstance(result, BoolShares):
        opened = opened & opened.dtype.type(1)
    opened = opened.view(party.ring.signed_dtype)
    return {"seconds": seconds, "rounds": rounds, "bytes_sent": sent,
            "digest": hashlib.sha256(opened.tobytes()).hexdigest(),
            "output": opened if party.pid == 0 else None, "peak_rss_mib": peak_rss_mib()}


def peak_rss_mib() -> float:
    """This process's peak resident set size so far (Linux reports ru_maxrss in KiB).

    Over TCP each party is its own process, so this is that party's peak for the whole
    run (inputs, protocol, reveal); with the local transport the three parties share one.
    """
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# -- the launcher side -------------------------------------------------------------------------
@dataclass
class Measurement:
    """Our figures for one run; rounds and bytes per party, the maximum over the three."""

    op: str
    n: int
    ring: int
    transport: str
    seconds: float
    rounds: int
    bytes_sent: int
    algorithm: str | None = None
    output: np.ndarray | None = field(default=None, repr=False)
    peak_rss_mib: list[float] | None = None  # per party process (tcp), see `peak_rss_mib`

    def as_json(self) -> dict:
        out = {"op": self.op, "n": self.n, "ring": self.ring, "transport": self.transport,
               "seconds": round(self.seconds, 6), "rounds": self.rounds,
               "bytes_sent": self.bytes_sent,
               "per_second": round(self.n / self.seconds, 1) if self.seconds > 0 else None,
               "timing": TIMING}
        if self.algorithm is not None:
            out["algorithm"] = self.algorithm
        if self.peak_rss_mib is not None:
            out["peak_rss_mib_per_party"] = self.peak_rss_mib
        return out


def run_ours(op: str, n: int, bits: int = 32, transport: str = "local", algorithm: str = "auto",
             seed: int = 1, timeout: float = DEFAULT_TIMEOUT) -> Measurement:
    """Run `op` at three parties (threads or TCP processes); no check (see `measure_ours`)."""
    if op not in OPS:
        raise ValueError(f"unknown op {op!r}: one of {', '.join(OPS)}")
    ring = ring_for(bits)
    args = [(op, n, seed, algorithm)] * 3
    if transport == "tcp":
        from ..launch import run_tcp

        result = run_tcp(bench_program, args, ring, timeout)
    elif transport == "local":
        result = run_local(bench_program, args, ring, timeout)
    else:
        raise ValueError(f"unknown transport {transport!r}: use 'local' or 'tcp'")
    figures = result.outputs
    if len({f["digest"] for f in figures}) != 1:
        raise BenchCheckFailed(f"{op}: the three parties revealed different results")
    return Measurement(op, n, bits, transport,
                       seconds=max(f["seconds"] for f in figures),
                       rounds=max(f["rounds"] for f in figures),
                       bytes_sent=max(f["bytes_sent"] for f in figures),
                       algorithm=_resolved(algorithm, n, bits) if op == "sort" else None,
                       output=figures[0]["output"],
                       peak_rss_mib=[f["peak_rss_mib"] for f in figures] if transport == "tcp" else None)


def _resolved(algorithm: str, n: int, bits: int) -> str:
    """The algorithm a sort ran: 'auto' resolved as `sorting.sort_values` resolves it."""
    from ..sorting import choose_algorithm

    chosen = choose_algorithm(n, bits, 1, algorithm=algorithm)
    return chosen if algorithm == chosen else f"{chosen} (auto)"


def measure_ours(op: str, n: int, bits: int = 32, transport: str = "local", algorithm: str = "auto",
                 seed: int = 1, timeout: float = DEFAULT_TIMEOUT, reference=expected) -> Measurement:
    """`run_ours`, then the revealed result checked against `reference` (numpy by default)."""
    m = run_ours(op, n, bits, transport, algorithm, seed, timeout)
    check(op, make_inputs(op, n, bits, seed), m.output, reference)
    return m
