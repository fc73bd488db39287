"""One party's context: its index, transport, ring, pairwise keys and counters.

Every protocol step that talks goes through `exchange`, which is one communication
round: the party sends (at most) one message to each neighbour, then receives (at
most) one from each.  All three parties call `exchange` in the same order, so its
sequence number doubles as the wire's operation id, and the round counter is the
same at every party whatever the data.

Correlated randomness: party i holds key k_i (shared with party i-1) and k_{i+1}
(shared with party i+1); `tag()` hands out stream tags in a fixed order, which every
party must follow even when it does not use the tag.
"""

from __future__ import annotations

import numpy as np

from .randomness import STREAM_KEY_SIZES, KeyedStream, new_key
from .ring import RING32, Ring
from .sharing import ArithShares, BoolShares
from .transport.base import Transport


class Party:
    def __init__(self, transport: Transport, ring: Ring = RING32):
        self.transport = transport
        self.pid = transport.party_id
        self.next = (self.pid + 1) % 3
        self.prev = (self.pid + 2) % 3
        self.ring = ring
        self.rounds = 0
        self._op = 0
        self._tag = 0
        self._stream_prev: KeyedStream | None = None  # k_i, shared with party i-1
        self._stream_next: KeyedStream | None = None  # k_{i+1}, shared with party i+1
        self.on_round = None  # optional callback(rounds) for progress displays

    # -- set-up ----------------------------------------------------------------------
    def setup_keys(self) -> None:
        """Agree the pairwise keys: send a fresh k_i to party i-1, get k_{i+1}. One round, 16 bytes.

        In clear: fine in-process and on loopback; between machines use `set_pairwise_keys`.
        """
        own = new_key()
        (got,) = self.exchange(to_prev=np.frombuffer(own, dtype=np.uint8),
                               from_next=(np.uint8, 16))
        self._stream_prev = KeyedStream(own)
        self._stream_next = KeyedStream(got.tobytes())

    def set_pairwise_keys(self, own: bytes, next_key: bytes) -> None:
        """Install the pairwise PRF keys agreed elsewhere, instead of `setup_keys`.

        `own` is k_i, shared with party i-1; `next_key` is k_{i+1}, shared with party i+1.
        For the peer channel: derive them from an authenticated key agreement (HKDF over
        the X25519 secret, the identities and the run id: miners/peering) so that no key
        ever crosses the wire, as `setup_keys` (a clear-text test convenience) does.
        Keys of 16 or 32 bytes (AES-128 / AES-256); the two must differ.  No communication.
        """
        for name, key in (("own", own), ("next_key", next_key)):
            if not isinstance(key, (bytes, bytearray)):
                raise TypeError(f"{name} must be bytes, got {type(key).__name__}")
            if len(key) not in STREAM_KEY_SIZES:
                raise ValueError(f"{name} must be 16 or 32 bytes, got {len(key)}")
            if not any(key):
                raise ValueError(f"{name} is all zero bytes: not a derived key")
        if bytes(own) == bytes(next_key):
            raise ValueError("own and next_key must differ: each key is shared by one pair only")
        self._stream_prev = KeyedStream(bytes(own))
        self._stream_next = KeyedStream(bytes(next_key))

    # -- communication ---------------------------------------------------------------
    def exchange(self, to_next=None, to_prev=None, from_next=None, from_prev=None):
        """One round. `from_*` is None or (dtype, shape); returns the received arrays in order next, prev."""
        self._op += 1
        self.rounds += 1
        op, t = self._op, self.transport
        if to_next is not None:
            t.send(self.next, np.ascontiguousarray(to_next).reshape(-1), op)
        if to_prev is not None:
            t.send(self.prev, np.ascontiguousarray(to_prev).reshape(-1), op)
        received = []
        for peer, spec in ((self.next, from_next), (self.prev, from_prev)):
            if spec is not None:
                dtype, shape = spec
                shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
                count = int(np.prod(shape, dtype=np.int64))
                received.append(t.recv(peer, op, dtype, count).reshape(shape))
        if self.on_round is not None:
            self.on_round(self.rounds)
        return received

    def reset_counters(self) -> None:
        """Zero the round and traffic counters (e.g. after the inputs are in)."""
        self.rounds = 0
        counter = self.transport.counter
        counter.messages_sent = counter.bytes_sent = counter.header_bytes_sent = 0

    @property
    def bytes_sent(self) -> int:
        return self.transport.counter.bytes_sent

    # -- correlated randomness -------------------------------------------------------
    def tag(self) -> int:
        """The next stream tag; every party draws tags in the same order."""
        self._tag += 1
        return self._tag

    def _streams(self):
        if self._stream_prev is None:
            raise RuntimeError("pairwise keys not set up: call setup_keys() first")
        return self._stream_prev, self._stream_next

    def common_with_prev(self, tag: int, shape, dtype=None) -> np.ndarray:
        """Randomness party i-1 can compute too (key k_i)."""
        return self._streams()[0].array(tag, dtype or self.ring.dtype, shape)

    def common_with_next(self, tag: int, shape, dtype=None) -> np.ndarray:
        """Randomness party i+1 can compute too (key k_{i+1})."""
        return self._streams()[1].array(tag, dtype or self.ring.dtype, shape)

    def zero_sharing(self, shape, boolean: bool = False, dtype=None) -> np.ndarray:
        """alpha_i = F(k_i) - F(k_{i+1}) (or XOR): the three sum to zero. No communication."""
        tag = self.tag()
        mine = self.common_with_prev(tag, shape, dtype)
        theirs = self.common_with_next(tag, shape, dtype)
        return (mine ^ theirs) if boolean else (mine - theirs)

    # -- constructors ----------------------------------------------------------------
    def arith(self, a: np.ndarray, b: np.ndarray) -> ArithShares:
        return ArithShares(a, b, self.pid)

    def bool(self, a: np.ndarray, b: np.ndarray) -> BoolShares:
        return BoolShares(a, b, self.pid)
