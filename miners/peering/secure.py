"""The peer channel's cryptography, sans I/O: identities, handshake, records, pairwise keys.

Handshake (the lower index dials, so the initiator I always has the lower index):

    I -> R  HELLO    version, I, R, run id, I's ephemeral X25519 key
    R -> I  REPLY    version, R, I, run id, R's ephemeral key, Sign_R("responder" | T)
         or REFUSE   R's version (a version mismatch) or "not a configured peer"
    I -> R  CONFIRM  Sign_I("initiator" | T)
    R -> I  READY    or REFUSE (I's signature does not match I's configured key)

T = label | version | run id | I | R | both identity keys | both ephemeral keys.  A side may
accept more than one key for its peer (the replaced key during a rotation's grace period,
miners/pins/): the initiator checks REPLY against each (it computes T for each), the responder
uses its current pin for the initiator (T, which it signs, holds the initiator's key).  Every
handshake message starts with magic, kind and version at fixed offsets, so two versions can
always read each other's version and say which ones they speak.

Keys: HKDF-SHA256 over the X25519 secret, salt = SHA-256(T), info = label | run id | both
indices | both identity keys gives the two direction keys and the pair's PRF key for the
engine's correlated randomness (PROTOCOLS.md 2 and 6): that key is never sent.

Records (one websocket message each): seq u64 | kind u8 | ChaCha20-Poly1305 ciphertext,
nonce = seq, associated data = magic | version | run id | sender | receiver | kind.  The
receiver expects seq 0, 1, 2, ...: a replayed, reordered, duplicated or dropped record is out
of sequence; a tampered, truncated, spoofed or cross-run record fails authentication.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mpc_engine.transport.framing import RUN_ID_BYTES, ProtocolError

PROTOCOL_VERSION = 1
PRF_KEY_BYTES = 16  # mpc_engine.randomness.KEY_BYTES: an AES-128 stream key
HANDSHAKE_MAGIC = b"MPCH"
RECORD_MAGIC = b"MPCR"
TRANSCRIPT_LABEL = b"consortium-mpc peer handshake"
KEYS_LABEL = b"consortium-mpc peer keys"

# handshake message kinds
HELLO, REPLY, REFUSE, CONFIRM, READY = 1, 2, 3, 4, 5
REFUSED_VERSION, REFUSED_PEER = 1, 2
_PREFIX = struct.Struct(">4sBH")  # magic, kind, version: the same in every version
_ROUTE = struct.Struct(">BB16s")  # sender, receiver, run id
_SIG_BYTES = 64
_KEY_BYTES = 32

# record kinds
FRAME_START, FRAME_MORE, END = 1, 2, 3
RECORD_HEADER = struct.Struct(">QB")
TAG_BYTES = 16
RECORD_OVERHEAD = RECORD_HEADER.size + TAG_BYTES


class HandshakeError(ProtocolError):
    """The peer could not be authenticated, or refused us."""


class VersionMismatch(HandshakeError):
    """The two miners speak different versions of the peer protocol."""


class AuthenticationFailed(ProtocolError):
    """A record was tampered with, replayed, reordered, spoofed or from another run."""


# -- keys -------------------------------------------------------------------------------
def public_key_b64(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The configuration form of an identity key: base64 of its 32 raw bytes."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return base64.b64encode(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def parse_public_key(text: str, who: str) -> Ed25519PublicKey:
    """A peer's public key from configuration; the error names whose key, never its bytes."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise ValueError(f"{who}: public key is not base64") from None
    if len(raw) != _KEY_BYTES:
        raise ValueError(f"{who}: public key must be {_KEY_BYTES} raw bytes, got {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


def parse_private_key(text: str) -> Ed25519PrivateKey:
    """This miner's identity key from configuration: base64 of the 32-byte seed."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise ValueError("identity key is not base64") from None
    if len(raw) != _KEY_BYTES:
        raise ValueError(f"identity key must be {_KEY_BYTES} raw bytes")
    return Ed25519PrivateKey.from_private_bytes(raw)


def _raw(public) -> bytes:
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


# -- handshake --------------------------------------------------------------------------
def _prefix(kind: int, version: int) -> bytes:
    return _PREFIX.pack(HANDSHAKE_MAGIC, kind, version)


def _split(message, who: str, expect: tuple[int, ...], version: int):
    """Check magic, kind and version; returns (kind, body). Errors name the peer (`who`)."""
    message = bytes(message) if message is not None else b""
    if len(message) < _PREFIX.size:
        raise HandshakeError(f"{who}: malformed handshake message")
    magic, kind, their_version = _PREFIX.unpack_from(message)
    if magic != HANDSHAKE_MAGIC:
        raise HandshakeError(f"{who}: malformed handshake message")
    if kind == REFUSE:
        (reason,) = struct.unpack_from(">B", message, _PREFIX.size) if len(message) > _PREFIX.size else (0,)
        if reason == REFUSED_VERSION:
            raise VersionMismatch(f"{who} speaks peer protocol version {their_version}, "
                                  f"this miner speaks version {version}")
        raise HandshakeError(f"{who} refused this miner's identity (check both configurations)")
    if their_version != version:
        raise VersionMismatch(f"{who} speaks peer protocol version {their_version}, "
                              f"this miner speaks version {version}")
    if kind not in expect:
        raise HandshakeError(f"{who}: unexpected handshake message")
    return kind, message[_PREFIX.size:]


def refusal(reason: int, version: int = PROTOCOL_VERSION) -> bytes:
    return _prefix(REFUSE, version) + struct.pack(">B", reason)


def _keys(accepted) -> tuple[Ed25519PublicKey, ...]:
    """One key, or the accepted keys of a peer (the current one first)."""
    return (accepted,) if isinstance(accepted, Ed25519PublicKey) else tuple(accepted)


@dataclass(repr=False)
class _Handshake:
    me: int
    peer: int
    run_id: bytes
    identity: Ed25519PrivateKey
    peer_key: Ed25519PublicKey  # or the peer's accepted keys, current first (an Initiator only)
    version: int = PROTOCOL_VERSION
    _ephemeral: X25519PrivateKey = field(default_factory=X25519PrivateKey.generate)

    def __post_init__(self):
        if len(self.run_id) != RUN_ID_BYTES:
            raise ValueError(f"a run id has {RUN_ID_BYTES} bytes")
        if self.me == self.peer:
            raise ValueError("a miner does not peer with itself")

    def _eph(self) -> bytes:
        return _raw(self._ephemeral.public_key())

    def _transcript(self, low: int, high: int, low_id: bytes, high_id: bytes,
                    low_eph: bytes, high_eph: bytes) -> bytes:
        return (TRANSCRIPT_LABEL + struct.pack(">H", self.version) + self.run_id
                + bytes([low, high]) + low_id + high_id + low_eph + high_eph)

    def _session(self, transcript: bytes, peer_eph: bytes, initiator: bool) -> Session:
        try:
            shared = self._ephemeral.exchange(X25519PublicKey.from_public_bytes(peer_eph))
        except ValueError:  # a low-order point gives an all-zero secret
            raise HandshakeError(f"miner {self.peer}: unusable ephemeral key") from None
        low, high = sorted((self.me, self.peer))
        ids = (_raw(self.identity.public_key()), _raw(self.peer_key))
        low_id, high_id = ids if self.me == low else ids[::-1]
        okm = HKDF(hashes.SHA256(), 2 * 32 + PRF_KEY_BYTES, salt=hashlib.sha256(transcript).digest(),
                   info=KEYS_LABEL + self.run_id + bytes([low, high]) + low_id + high_id).derive(shared)
        up, down, prf = okm[:32], okm[32:64], okm[64:]  # up: low -> high
        send, recv = (up, down) if initiator else (down, up)
        return Session(self.me, self.peer, self.run_id, send, recv, prf, self.version)


class Initiator(_Handshake):
    """The dialing side (the lower index)."""

    def hello(self) -> bytes:
        return _prefix(HELLO, self.version) + _ROUTE.pack(self.me, self.peer, self.run_id) + self._eph()

    def on_reply(self, message) -> bytes:
        """Check the responder's reply; returns CONFIRM. Raises naming the peer."""
        _, body = _split(message, f"miner {self.peer}", (REPLY,), self.version)
        if len(body) != _ROUTE.size + _KEY_BYTES + _SIG_BYTES:
            raise HandshakeError(f"miner {self.peer}: malformed handshake reply")
        sender, receiver, run_id = _ROUTE.unpack_from(body)
        if sender != self.peer or receiver != self.me or not hmac.compare_digest(run_id, self.run_id):
            raise HandshakeError(f"miner {self.peer}: handshake reply for another miner or run")
        peer_eph = body[_ROUTE.size:_ROUTE.size + _KEY_BYTES]
        signature = body[_ROUTE.size + _KEY_BYTES:]
        for candidate in _keys(self.peer_key):
            t = self._transcript(self.me, self.peer, _raw(self.identity.public_key()), _raw(candidate),
                                 self._eph(), peer_eph)
            try:
                candidate.verify(signature, b"responder" + t)
            except InvalidSignature:
                continue
            self.peer_key = candidate  # the key that answered: the session's keys are bound to it
            break
        else:
            raise HandshakeError(f"miner {self.peer}: handshake signature does not match its "
                                 f"configured public key")
        self._pending = self._session(t, peer_eph, initiator=True)
        return _prefix(CONFIRM, self.version) + self.identity.sign(b"initiator" + t)

    def on_ready(self, message) -> Session:
        _split(message, f"miner {self.peer}", (READY,), self.version)
        return self._pending


class Responder:
    """The served side: learns who dials from HELLO, then checks it against configuration."""

    def __init__(self, me: int, identity: Ed25519PrivateKey, peer_keys: dict,
                 version: int = PROTOCOL_VERSION):
        """peer_keys: index -> the peer's key, or its accepted keys (the current one, used, first)."""
        self.me, self.identity, self.peer_keys, self.version = me, identity, peer_keys, version
        self.peer: int | None = None  # known after HELLO; errors before that say "a peer"
        self.claimed: int | None = None  # the index a HELLO claims, authenticated or not
        self.run_id: bytes | None = None
        self._hs: _Handshake | None = None

    def on_hello(self, message) -> bytes:
        """Returns REPLY. Raises HandshakeError (answer it with `refusal_for`)."""
        # before it is authenticated, a peer is named by the index it claims
        claimed = message[_PREFIX.size] if message is not None and len(message) > _PREFIX.size else None
        who = f"miner {claimed}" if claimed in (0, 1, 2) else "a peer"
        self.claimed = claimed
        _, body = _split(message, who, (HELLO,), self.version)
        if len(body) != _ROUTE.size + _KEY_BYTES:
            raise HandshakeError(f"{who}: malformed hello")
        sender, receiver, run_id = _ROUTE.unpack_from(body)
        if receiver != self.me or sender not in self.peer_keys or sender >= self.me:
            # only a configured peer with a lower index dials us
            raise HandshakeError(f"a peer claiming to be miner {sender} is not configured to dial miner "
                                 f"{self.me}")
        self.peer, self.run_id = sender, run_id
        current = _keys(self.peer_keys[sender])[0]
        self._hs = _Handshake(self.me, sender, run_id, self.identity, current, self.version)
        self._peer_eph = body[_ROUTE.size:]
        hs = self._hs
        self._t = hs._transcript(sender, self.me, _raw(hs.peer_key), _raw(self.identity.public_key()),
                                 self._peer_eph, hs._eph())
        return (_prefix(REPLY, self.version) + _ROUTE.pack(self.me, sender, run_id) + hs._eph()
                + self.identity.sign(b"responder" + self._t))

    def on_confirm(self, message) -> tuple[bytes, Session]:
        """Returns (READY, session) once the initiator proved its configured identity."""
        _, body = _split(message, self._who(), (CONFIRM,), self.version)
        if self._hs is None or len(body) != _SIG_BYTES:
            raise HandshakeError(f"{self._who()}: malformed handshake confirmation")
        try:
            self._hs.peer_key.verify(body, b"initiator" + self._t)
        except InvalidSignature:
            raise HandshakeError(f"miner {self.peer}: handshake signature does not match its "
                                 f"configured public key") from None
        session = self._hs._session(self._t, self._peer_eph, initiator=False)
        return _prefix(READY, self.version), session

    def refusal_for(self, error: HandshakeError) -> bytes:
        reason = REFUSED_VERSION if isinstance(error, VersionMismatch) else REFUSED_PEER
        return refusal(reason, self.version)

    def _who(self) -> str:
        return "a peer" if self.peer is None else f"miner {self.peer}"


# -- records ----------------------------------------------------------------------------
class Session:
    """One established pair: per-direction AEAD keys and sequence numbers, and the PRF key.

    Not thread-safe per direction: one thread seals, one thread opens.  Never printed.
    """

    def __init__(self, me: int, peer: int, run_id: bytes, send_key: bytes, recv_key: bytes,
                 prf_key: bytes, version: int = PROTOCOL_VERSION):
        self.me, self.peer, self.run_id, self.version = me, peer, run_id, version
        self._send, self._recv = ChaCha20Poly1305(send_key), ChaCha20Poly1305(recv_key)
        self._prf_key = prf_key
        self._send_seq = self._recv_seq = 0
        self._ad = {d: RECORD_MAGIC + struct.pack(">H", version) + run_id + bytes(d)
                    for d in ((me, peer), (peer, me))}
        self.failed: ProtocolError | None = None

    def __repr__(self) -> str:
        return f"<Session miner {self.me} <-> miner {self.peer}>"

    @property
    def prf_key(self) -> bytes:
        """The pair's key for the engine's correlated randomness (same at both ends)."""
        return self._prf_key

    def seal(self, kind: int, data) -> bytes:
        seq = self._send_seq
        self._send_seq += 1
        header = RECORD_HEADER.pack(seq, kind)
        ad = self._ad[(self.me, self.peer)] + bytes([kind])
        return header + self._send.encrypt(_nonce(seq), data, ad)

    def open(self, record) -> tuple[int, bytes]:
        """(kind, plaintext) of the next record from the peer; a failure poisons the session."""
        if self.failed is not None:
            raise self.failed
        try:
            return self._open(record)
        except ProtocolError as exc:
            self.failed = exc
            raise

    def _open(self, record) -> tuple[int, bytes]:
        if len(record) < RECORD_OVERHEAD:
            raise AuthenticationFailed(f"miner {self.peer}: message authentication failed (truncated)")
        seq, kind = RECORD_HEADER.unpack_from(record)
        if seq != self._recv_seq:
            raise AuthenticationFailed(f"miner {self.peer}: message out of sequence (replayed, "
                                       f"reordered or lost): got {seq}, expected {self._recv_seq}")
        ad = self._ad[(self.peer, self.me)] + bytes([kind])
        try:
            plain = self._recv.decrypt(_nonce(seq), memoryview(record)[RECORD_HEADER.size:], ad)
        except InvalidTag:
            raise AuthenticationFailed(f"miner {self.peer}: message authentication failed") from None
        self._recv_seq += 1
        return kind, plain


def _nonce(seq: int) -> bytes:
    return b"\0\0\0\0" + seq.to_bytes(8, "big")


def pairwise_keys(me: int, sessions: dict[int, Session]) -> tuple[bytes, bytes]:
    """(own, next_key) for `Party.set_pairwise_keys`.

    own = k_i, the key of the pair (i-1, i); next_key = k_{i+1}, the key of (i, i+1).
    """
    prev, nxt = (me + 2) % 3, (me + 1) % 3
    for j in (prev, nxt):
        if j not in sessions or sessions[j].peer != j or sessions[j].me != me:
            raise ValueError(f"no established channel from miner {me} to miner {j}")
    return sessions[prev].prf_key, sessions[nxt].prf_key


def new_run_id() -> bytes:
    return os.urandom(RUN_ID_BYTES)
