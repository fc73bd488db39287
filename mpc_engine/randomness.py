"""Randomness: the OS CSPRNG for secrets, keyed AES-CTR streams for correlated randomness.

Never `random` or numpy's generators: a share or mask drawn from a predictable
generator is no secret.  A `KeyedStream` is AES-128 in counter mode; the 128-bit
counter block starts at `tag << 64`, so every (key, tag) pair gives an independent
stream of up to 2^64 blocks, and two parties that hold the same key and use the
same tag draw the same bytes without talking.
"""

from __future__ import annotations

import os

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

KEY_BYTES = 16  # what `new_key` draws (AES-128)
STREAM_KEY_SIZES = (16, 32)  # AES-128 or AES-256 keys for a `KeyedStream`


def random_array(dtype, shape) -> np.ndarray:
    """A uniformly random array of an unsigned dtype from the OS CSPRNG."""
    dtype = np.dtype(dtype)
    count = int(np.prod(shape, dtype=np.int64))
    return np.frombuffer(os.urandom(count * dtype.itemsize), dtype=dtype).reshape(shape).copy()


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


class KeyedStream:
    """AES-CTR keyed pseudorandom function (AES-128 or AES-256 by the key's length):
    (tag, size) -> uniform array."""

    def __init__(self, key: bytes):
        if not isinstance(key, (bytes, bytearray)) or len(key) not in STREAM_KEY_SIZES:
            raise ValueError("a stream key is 16 or 32 bytes")
        self._algorithm = algorithms.AES(key)

    def array(self, tag: int, dtype, shape) -> np.ndarray:
        """The stream for `tag` as an array; the same (key, tag, dtype, shape) gives the same array."""
        if not 0 <= tag < 1 << 64:
            raise ValueError("a stream tag is a 64-bit unsigned integer")
        dtype = np.dtype(dtype)
        nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        out = np.empty(nbytes + 15, dtype=np.uint8)  # update_into wants room for a block
        if nbytes:
            encryptor = Cipher(self._algorithm, modes.CTR((tag << 64).to_bytes(16, "big"))).encryptor()
            # CTR over the fixed zero block, piece by piece: one encryptor, so the counter runs
            # on across pieces and the result is the one-shot keystream
            for at in range(0, nbytes, ZERO_BLOCK_BYTES):
                size = min(ZERO_BLOCK_BYTES, nbytes - at)
                # out is uninitialised memory: a short write must never pass as keystream
                if encryptor.update_into(_ZEROS[:size], out[at:at + size + 15]) != size:
                    raise RuntimeError("AES-CTR produced fewer bytes than asked for")
        return out[:nbytes].view(dtype).reshape(shape)


# The plaintext of CTR: a fixed, read-only 1 MiB of zeros, shared by every stream and thread
# and never grown, so a large draw costs no buffer that outlives it.
ZERO_BLOCK_BYTES = 1 << 20
_ZEROS = memoryview(bytes(ZERO_BLOCK_BYTES))
