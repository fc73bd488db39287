"""Run one program at all three parties in-process (threads + `LocalHub`): tests and demos.

`run_local(program, args_per_party)` calls `program(party, *args)` at each party
after the key set-up and returns the three results with each party's counters.
The first party to fail aborts the others (their receives time out or see the hub
closed) and its exception is raised here.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass

from .party import Party
from .ring import RING32, Ring
from .transport.local import LocalHub


@dataclass
class PartyStats:
    rounds: int
    bytes_sent: int
    messages_sent: int


@dataclass
class RunResult:
    outputs: list
    stats: list[PartyStats]


def run_local(program, args_per_party=None, ring: Ring = RING32, timeout: float = 30.0,
              count_setup: bool = False) -> RunResult:
    args_per_party = args_per_party or [()] * 3
    hub = LocalHub()
    transports = hub.transports(secrets.token_bytes(16), timeout)
    parties = [Party(t, ring) for t in transports]
    outputs: list = [None] * 3
    errors: list = [None] * 3

    def body(i: int) -> None:
        party = parties[i]
        try:
            party.setup_keys()
            if not count_setup:
                party.rounds = 0
                party.transport.counter.__init__()
            outputs[i] = program(party, *args_per_party[i])
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            errors[i] = exc

    threads = [threading.Thread(target=body, args=(i,), name=f"party-{i}") for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # the root cause is the error that is not a time-out caused by another party failing
    failures = [e for e in errors if e is not None]
    if failures:
        from .transport.framing import PeerTimeout

        root = next((e for e in failures if not isinstance(e, PeerTimeout)), failures[0])
        raise root
    stats = [PartyStats(p.rounds, p.transport.counter.bytes_sent, p.transport.counter.messages_sent)
             for p in parties]
    return RunResult(outputs, stats)
