"""Run one program at all three parties in-process (threads + `LocalHub`): tests and demos.

`run_local(program, args_per_party)` calls `program(party, *args)` at each party
after the key set-up and returns the three results with each party's counters.
A party that stops (done or failed) closes its transport, so a peer still waiting for
it fails at once with `PeerDisconnected`; the first party's own error is raised here.
`run_with_inputs` plays the browser too: it splits secret arrays into additive
shares, and each party turns its shares into replicated ones before the program
runs (those rounds are not counted).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass

import numpy as np

from .party import Party
from .protocols.arithmetic import from_additive
from .ring import RING32, Ring
from .sharing import additive_shares
from .transport.framing import PeerDisconnected, PeerTimeout
from .transport.local import LocalHub

SECONDARY = (PeerTimeout, PeerDisconnected)  # what the peers of a failed party report


@dataclass
class PartyStats:
    rounds: int
    bytes_sent: int
    messages_sent: int


@dataclass
class RunResult:
    outputs: list
    stats: list[PartyStats]
    parties: list | None = None  # the Party objects (local runs only), for traces


def stats_of(party: Party) -> PartyStats:
    counter = party.transport.counter
    return PartyStats(party.rounds, counter.bytes_sent, counter.messages_sent)


def run_local(program, args_per_party=None, ring: Ring = RING32, timeout: float = 30.0,
              wrap=None) -> RunResult:
    """`wrap(transport) -> transport` may wrap each party's transport (e.g. to record it)."""
    args_per_party = args_per_party or [()] * 3
    transports = LocalHub().transports(secrets.token_bytes(16), timeout)
    parties = [Party(wrap(t) if wrap else t, ring) for t in transports]
    outputs: list = [None] * 3
    errors: list = [None] * 3

    def body(i: int) -> None:
        try:
            parties[i].setup_keys()
            parties[i].reset_counters()
            outputs[i] = program(parties[i], *args_per_party[i])
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            errors[i] = exc
        finally:
            parties[i].transport.close()

    threads = [threading.Thread(target=body, args=(i,), name=f"party-{i}") for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    failures = [e for e in errors if e is not None]
    if failures:
        # the root cause is not the time-out or disconnection that its failure caused at the peers
        raise next((e for e in failures if not isinstance(e, SECONDARY)), failures[0])
    return RunResult(outputs, [stats_of(p) for p in parties], parties)


def _with_inputs(party: Party, program, *additive):
    inputs = [from_additive(party, s) for s in additive]
    party.reset_counters()
    return program(party, *inputs)


def run_with_inputs(program, secrets_: list[np.ndarray], ring: Ring = RING32, run=run_local,
                    **kwargs) -> RunResult:
    """Secret-share each array, convert at the parties, then run `program(party, *shares)`."""
    shared = [additive_shares(ring, ring.check(np.asarray(s), "input")) for s in secrets_]
    args = [(program, *(s[i] for s in shared)) for i in range(3)]
    return run(_with_inputs, args, ring, **kwargs)
