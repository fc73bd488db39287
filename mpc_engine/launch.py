"""Run one program at three parties as three OS processes talking over loopback TCP.

`run_tcp(program, args_per_party)` has the contract of `runner.run_local`: each party
sets up its pairwise keys (not counted), runs `program(party, *args)` and the three
outputs come back with each party's counters.  `program` must be a top-level
(picklable) function; the processes are started with the 'spawn' method.

Results, counters and errors come back to the launcher over multiprocessing pipes,
which pickle: that is orchestration with our own child processes, not data from a
peer; the parties talk to each other only through `TcpTransport`'s framing.

A failure is raised here as `PartyFailed` naming the party with the root cause (a
party that died or raised on its own, rather than the peers that then timed out or
saw it disconnect).  Every child is reaped, also on errors and KeyboardInterrupt.

`secret_sort` is the launcher acting as the members' browsers and the portal: it
splits each value into three additive shares, gives share i to party i, and checks
and reconstructs the parties' output pairs.
"""

from __future__ import annotations

import multiprocessing as mp
import secrets
import sys
import time
import traceback
from multiprocessing.connection import wait

import numpy as np

from .party import Party
from .protocols.arithmetic import from_additive, output_pair
from .ring import RING32, Ring
from .runner import PartyStats, RunResult, run_local
from .sharing import additive_shares, reconstruct_replicated
from .sorting import sort_values
from .transport.framing import PeerDisconnected, PeerTimeout
from .transport.tcp import TcpTransport, listen

HOST = "127.0.0.1"
REAP_SECONDS = 5.0  # how long a child gets to exit before it is terminated, then killed
START_SECONDS = 60.0  # spawning and importing numpy on a loaded machine is not a peer stall
FAILURE_GRACE_SECONDS = 3.0  # beyond `timeout`: the transport's close grace (2 s) + margin


class PartyFailed(RuntimeError):
    """A party's program failed; `party` is its index, `cause` its exception.

    `errors` maps every failed party to its exception, e.g. to see that the peers of a
    crashed party reported it as disconnected.
    """

    def __init__(self, party: int, cause: BaseException, errors: dict[int, BaseException]):
        super().__init__(f"party {party} failed: {type(cause).__name__}: {cause}")
        self.party = party
        self.cause = cause
        self.errors = errors


class _RemoteTraceback(Exception):
    """The child's traceback, chained under the cause so it shows in the caller's report."""

    def __str__(self):
        return "\n" + self.args[0]


def run(program, args_per_party=None, ring: Ring = RING32, transport: str = "tcp",
        timeout: float = 60.0) -> RunResult:
    """Run with the chosen transport: "tcp" (three processes) or "local" (three threads)."""
    if transport == "tcp":
        return run_tcp(program, args_per_party, ring, timeout)
    if transport == "local":
        return run_local(program, args_per_party, ring, timeout)
    raise ValueError(f"unknown transport {transport!r}: use 'tcp' or 'local'")


def run_tcp(program, args_per_party=None, ring: Ring = RING32, timeout: float = 60.0) -> RunResult:
    args_per_party = args_per_party or [()] * 3
    ctx = mp.get_context("spawn")
    run_id = secrets.token_bytes(16)
    pipes = [ctx.Pipe() for _ in range(3)]
    procs = [ctx.Process(target=_party_main, name=f"mpc-party-{i}", daemon=True,
                         args=(i, run_id, ring, timeout, program, tuple(args_per_party[i]),
                               pipes[i][1]))
             for i in range(3)]
    conns = [parent for parent, _ in pipes]
    reports = None
    try:
        for p in procs:
            p.start()
        for _, child in pipes:
            child.close()  # so a dead child shows as EOF on our end
        ports = _gather_ports(conns, procs, START_SECONDS)
        for c in conns:
            c.send(ports)
        reports = _gather_reports(conns, procs, timeout)
    finally:
        # all reports in: the children are closing their sockets and exit by themselves;
        # otherwise (an error here, KeyboardInterrupt) they are stopped at once
        _reap(procs, conns, patient=reports is not None)
    return _result(reports)


def _gather_ports(conns, procs, timeout: float) -> list[int]:
    ports = [None] * 3
    reports = {}
    deadline = time.monotonic() + timeout
    while None in ports:
        pending = [conns[i] for i in range(3) if ports[i] is None]
        ready = wait(pending, max(deadline - time.monotonic(), 0))
        if not ready:
            raise TimeoutError(f"parties did not start within {timeout:g} s")
        for c in ready:
            i = conns.index(c)
            msg = _receive(c, i, procs[i])
            if msg[0] == "port":
                ports[i] = msg[1]
            else:  # the child failed before listening (e.g. an import error in spawn)
                reports[i] = msg
                _result(reports)
    return ports


def _gather_reports(conns, procs, timeout: float) -> dict[int, tuple]:
    """Wait for all three reports.

    Once a party has failed, the others report within `timeout` (their receives time
    out) plus the transport's close grace; a party that does not is hung: it is
    stopped and reported as the root cause.
    """
    reports: dict[int, tuple] = {}
    deadline = None
    while len(reports) < 3:
        pending = [conns[i] for i in range(3) if i not in reports]
        left = None if deadline is None else max(deadline - time.monotonic(), 0)
        ready = wait(pending, left)
        if not ready:
            failed = min(i for i, r in reports.items() if r[0] != "ok")
            for i in set(range(3)) - set(reports):
                procs[i].terminate()
                hung = TimeoutError(f"party {i} hung: no report {timeout + FAILURE_GRACE_SECONDS:g} s "
                                    f"after party {failed} failed")
                reports[i] = ("hung", hung, "", time.time())
            break
        for c in ready:
            i = conns.index(c)
            reports[i] = _receive(c, i, procs[i])
            if reports[i][0] != "ok" and deadline is None:
                deadline = time.monotonic() + timeout + FAILURE_GRACE_SECONDS
    return reports


def _receive(conn, index: int, proc) -> tuple:
    try:
        return conn.recv()
    except (EOFError, OSError):
        proc.join(REAP_SECONDS)
        died = ProcessLookupError(f"party {index} exited with code {proc.exitcode} without a result")
        return ("died", died, "", time.time())


def _result(reports: dict[int, tuple]) -> RunResult:
    errors = {i: r for i, r in reports.items() if r[0] != "ok"}
    if errors:
        root = min(errors, key=lambda i: (_rank(errors[i]), errors[i][3]))
        cause = errors[root][1]
        if errors[root][2]:
            cause.__cause__ = _RemoteTraceback(errors[root][2])
        raise PartyFailed(root, cause, {i: r[1] for i, r in errors.items()}) from cause
    outputs = [reports[i][1] for i in range(3)]
    return RunResult(outputs, [reports[i][2] for i in range(3)])


def _rank(report: tuple) -> int:
    """Root cause first: a dead party, then an error of its own, then time-outs, then EOFs."""
    kind, exc = report[0], report[1]
    if kind in ("died", "hung"):
        return 0
    if isinstance(exc, PeerDisconnected):
        return 3
    return 2 if isinstance(exc, PeerTimeout) else 1


def _reap(procs, conns, patient: bool) -> None:
    """Close our pipe ends (a child still waiting on them gets EOF), then join, terminate, kill."""
    for c in conns:
        c.close()
    started = [p for p in procs if p.pid is not None]
    deadline = time.monotonic() + (REAP_SECONDS if patient else 0)
    for p in started:
        p.join(max(deadline - time.monotonic(), 0))
    for p in started:
        if p.is_alive():
            p.terminate()
            p.join(REAP_SECONDS)
        if p.is_alive():
            p.kill()
            p.join()


# -- the dealer and output party -----------------------------------------------------------
PROGRESS_SECONDS = 2.0  # a long sort reports its round count on stderr this often


def secret_sort(values, ring: Ring = RING32, transport: str = "tcp", descending: bool = False,
                timeout: float = 60.0, progress: bool = False):
    """Sort signed integers obliviously at three parties.

    Returns (sorted values as a signed numpy array, the run's `RunResult`, the seconds
    party 0 spent in the protocol).  Values outside the ring's signed range raise
    `RingValueError` before any party starts.
    """
    shares = additive_shares(ring, ring.encode(values))
    args = [(shares[i], descending, progress) for i in range(3)]
    result = run(sort_program, args, ring, transport, timeout)
    pairs = [(a, b) for a, b, _ in result.outputs]
    return ring.to_signed(reconstruct_replicated(pairs)), result, result.outputs[0][2]


def sort_program(party: Party, share: np.ndarray, descending: bool, progress: bool):
    """One party: additive share -> replicated shares -> oblivious sort -> its output pair."""
    if progress and party.pid == 0:
        party.on_round = _progress_printer()
    start = time.perf_counter()
    x = from_additive(party, share)
    a, b = output_pair(sort_values(party, x, descending=descending))
    return a, b, time.perf_counter() - start


def _progress_printer():
    start = last = time.monotonic()

    def on_round(rounds: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= PROGRESS_SECONDS:
            last = now
            print(f"  ... round {rounds}, {now - start:.0f} s", file=sys.stderr, flush=True)

    return on_round


# -- in the child ------------------------------------------------------------------------
def _party_main(index, run_id, ring, timeout, program, args, conn) -> None:
    transport = None
    try:
        listener = listen(HOST, 0)
        conn.send(("port", listener.getsockname()[1]))
        ports = conn.recv()
        addresses = {j: (HOST, ports[j]) for j in range(3)}
        with listener:
            transport = TcpTransport(index, run_id, listener, addresses, timeout)
        party = Party(transport, ring)
        party.setup_keys()
        party.reset_counters()  # as run_local: the key set-up is not counted
        output = program(party, *args)
        c = transport.counter
        conn.send(("ok", output, PartyStats(party.rounds, c.bytes_sent, c.messages_sent)))
    except BaseException as exc:  # noqa: BLE001 - reported to the launcher, which raises it
        conn.send(("error", _transferable(exc), traceback.format_exc(), time.time()))
    finally:
        if transport is not None:
            transport.close()
        conn.close()


def _transferable(exc: BaseException) -> BaseException:
    """The exception itself if it survives pickling, else a RuntimeError with its text."""
    import pickle  # our own exception, to our own parent: never a peer's data

    try:
        pickle.loads(pickle.dumps(exc))  # noqa: S301
        return exc
    except Exception:  # noqa: BLE001 - any pickling failure means: send the text
        return RuntimeError(f"{type(exc).__name__}: {exc}")
