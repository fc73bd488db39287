"""Three miners in one test process: each has its own database (miner 0 `default`, miners 1 and 2 the
aliases `miner1`, `miner2` of tests/settings.py) and runs the real worker (`miners.runs.worker.execute`)
on its own thread; their parties talk over mpc_engine's LocalTransport (one LocalHub), where deployed
miners use the peer channel (`connect_peers`).

A thread works on its miner's database through `OneMinerPerThread`, a database router that sends the
share store's queries to the alias set for the current thread, so the miner's code runs unchanged.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager

from django.db import connections

from miners.runs.peers import transport_run_id
from mpc_engine.transport.local import LocalHub, LocalTransport

ALIASES = ["default", "miner1", "miner2"]
_local = threading.local()


class OneMinerPerThread:
    def db_for_read(self, model, **hints):
        return getattr(_local, "alias", None) if model._meta.app_label == "miner_store" else None

    db_for_write = db_for_read

    def allow_migrate(self, db, app_label, **hints):
        return app_label == "miner_store" if db in ALIASES[1:] else None


@contextmanager
def miner_database(index: int):
    """Within: the share store of this thread is miner `index`'s."""
    before = getattr(_local, "alias", None)
    _local.alias = ALIASES[index]
    try:
        yield
    finally:
        _local.alias = before


def run_three(target, args_per_miner: list[tuple]) -> list:
    """`target(*args)` for miners 0, 1, 2 at once, each on its own thread with its own database; returns
    the three results and raises the first error."""
    results, errors = [None] * 3, [None] * 3

    def body(i):
        try:
            with miner_database(i):
                results[i] = target(*args_per_miner[i])
        except BaseException as exc:  # noqa: BLE001 - raised again in the test's thread
            errors[i] = exc
        finally:
            for alias in ALIASES:
                connections[alias].close()

    threads = [threading.Thread(target=body, args=(i,), name=f"miner-{i}") for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for error in errors:
        if error is not None:
            raise error
    return results


def local_transports(run_id: str, timeout: float = 60) -> list[LocalTransport]:
    """The three parties' in-process transports for a run, each handing out its pairwise keys as the peer
    channel's transport does (fresh random keys here: k_i shared by the pair (i-1, i))."""
    transports = LocalHub().transports(transport_run_id(run_id), timeout=timeout)
    pair_keys = [os.urandom(16) for _ in range(3)]
    for i, transport in enumerate(transports):
        transport.pairwise_keys = lambda i=i: (pair_keys[i], pair_keys[(i + 1) % 3])
    return transports
