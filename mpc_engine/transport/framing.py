"""The fixed binary framing of every message between parties.

A frame is a 40-byte header followed by the payload:

    magic "MPCF" | version u8 | sender u8 | dtype code u8 | reserved u8
    | run id 16 bytes | operation id u64 | payload length u64      (big-endian)

Numpy payloads travel as `tobytes()` and are read back with `frombuffer` after the
receiver has checked the dtype code and the length against what the protocol
expects.  Nothing from a peer is ever unpickled.
"""

from __future__ import annotations

import hmac
import struct
from dataclasses import dataclass

import numpy as np

MAGIC = b"MPCF"
VERSION = 1
HEADER = struct.Struct(">4sBBBB16sQQ")
HEADER_BYTES = HEADER.size
RUN_ID_BYTES = 16
MAX_PAYLOAD_BYTES = 1 << 32  # 4 GiB: refuses a header that would make us allocate more

DTYPE_CODES = {np.dtype(np.uint8): 1, np.dtype(np.uint32): 2, np.dtype(np.uint64): 3}
CODE_DTYPES = {code: dtype for dtype, code in DTYPE_CODES.items()}


class ProtocolError(RuntimeError):
    """A peer sent something the protocol did not expect."""


class PeerTimeout(ProtocolError):
    """A peer said nothing for longer than the transport's timeout."""


class PeerDisconnected(ProtocolError):
    """A peer closed its connection mid-protocol."""


@dataclass(frozen=True)
class Header:
    sender: int
    dtype: np.dtype
    run_id: bytes
    op_id: int
    length: int


def encode_header(sender: int, array: np.ndarray, run_id: bytes, op_id: int) -> bytes:
    code = DTYPE_CODES.get(array.dtype)
    if code is None:
        raise ValueError(f"cannot frame a {array.dtype} array")
    return HEADER.pack(MAGIC, VERSION, sender, code, 0, run_id, op_id, array.nbytes)


def decode_header(raw: bytes) -> Header:
    """Parse and sanity-check a header; the caller checks who it expected."""
    magic, version, sender, code, _reserved, run_id, op_id, length = HEADER.unpack(raw)
    if magic != MAGIC or version != VERSION:
        raise ProtocolError("malformed frame: bad magic or version")
    if code not in CODE_DTYPES:
        raise ProtocolError(f"malformed frame: unknown dtype code {code}")
    if length > MAX_PAYLOAD_BYTES:
        raise ProtocolError(f"malformed frame: payload of {length} bytes is over the limit")
    return Header(sender, CODE_DTYPES[code], run_id, op_id, length)


def same_run(got: bytes, expected: bytes) -> bool:
    """Constant-time: on an unauthenticated carrier the run id is what lets a connection in."""
    return hmac.compare_digest(got, expected)


def check_frame(header: Header, *, expect_sender: int, run_id: bytes, op_id: int,
                dtype: np.dtype, count: int) -> None:
    """Refuse a frame that is not exactly the one the protocol waits for."""
    if header.sender != expect_sender:
        raise ProtocolError(f"frame claims sender {header.sender}, expected party {expect_sender}")
    if not same_run(header.run_id, run_id):
        raise ProtocolError(f"frame from party {expect_sender} belongs to another run")
    if header.op_id != op_id:
        raise ProtocolError(
            f"unexpected message from party {expect_sender}: operation {header.op_id}, "
            f"expected {op_id}"
        )
    if header.dtype != np.dtype(dtype):
        raise ProtocolError(
            f"message from party {expect_sender} has dtype {header.dtype}, expected {np.dtype(dtype)}"
        )
    if header.length != count * np.dtype(dtype).itemsize:
        raise ProtocolError(
            f"message from party {expect_sender} has {header.length} bytes, "
            f"expected {count * np.dtype(dtype).itemsize}"
        )


def payload_array(payload, dtype, count: int) -> np.ndarray:
    return np.frombuffer(payload, dtype=dtype, count=count)
