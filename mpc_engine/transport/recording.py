"""A transport wrapper that records what a party sends and receives.

For tests: the trace (operation, peer, direction, bytes) shows that a protocol's
communication pattern depends on n only, and the received payloads are the party's
view for the privacy tests.  Never used in production: it keeps copies of messages.
"""

from __future__ import annotations

import numpy as np

from .base import Transport


class RecordingTransport(Transport):
    def __init__(self, inner: Transport, keep_payloads: bool = False):
        super().__init__(inner.party_id, inner.run_id, inner.timeout)
        self.inner = inner
        self.counter = inner.counter
        self.keep_payloads = keep_payloads
        self.trace: list[tuple[int, int, str, int]] = []  # (op id, peer, "send"/"recv", bytes)
        self.received: list[np.ndarray] = []

    def send(self, to: int, array: np.ndarray, op_id: int) -> None:
        self.trace.append((op_id, to, "send", array.nbytes))
        self.inner.send(to, array, op_id)

    def recv(self, frm: int, op_id: int, dtype, count: int) -> np.ndarray:
        array = self.inner.recv(frm, op_id, dtype, count)
        self.trace.append((op_id, frm, "recv", array.nbytes))
        if self.keep_payloads:
            self.received.append(array.copy())
        return array

    def close(self) -> None:
        self.inner.close()
