"""The rings Z_2^k (k = 32 or 64) as numpy unsigned arrays.

numpy's unsigned overflow *is* the ring's wrap-around, so `+`, `-` and `*` on
`uint32`/`uint64` arrays compute in Z_2^k with no extra work.  Signed values are
two's complement: the encoding of -1 is 2^k - 1.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


class RingValueError(ValueError):
    """A value does not fit the ring (or its signed range)."""


@dataclass(frozen=True)
class Ring:
    """Z_2^bits with its numpy unsigned and signed dtypes."""

    bits: int

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(np.uint32 if self.bits == 32 else np.uint64)

    @property
    def signed_dtype(self) -> np.dtype:
        return np.dtype(np.int32 if self.bits == 32 else np.int64)

    @property
    def modulus(self) -> int:
        return 1 << self.bits

    @property
    def signed_min(self) -> int:
        return -(1 << (self.bits - 1))

    @property
    def signed_max(self) -> int:
        return (1 << (self.bits - 1)) - 1

    @property
    def msb_shift(self) -> int:
        return self.bits - 1

    def zeros(self, shape) -> np.ndarray:
        return np.zeros(shape, dtype=self.dtype)

    def constant(self, value, signed: bool | None = None) -> np.integer:
        """A public integer (Python or numpy) as a scalar of this ring.

        `signed` None accepts either reading, [-2^(k-1), 2^k - 1]; True the signed range,
        False the unsigned one.  Outside it: RingValueError (a ValueError), never a silent
        wrap-around or numpy's OverflowError.
        """
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"a public ring constant is an integer, got {type(value).__name__}")
        v = int(value)  # numpy integers would overflow in `% self.modulus`
        lo = 0 if signed is False else self.signed_min
        hi = self.signed_max if signed else self.modulus - 1
        if not lo <= v <= hi:
            raise RingValueError(f"public value {v} is outside [{lo}, {hi}], the "
                                 f"{_reading(signed)} range of Z_2^{self.bits}")
        return self.dtype.type(v % self.modulus)

    def encode(self, values: Iterable[int], signed: bool = True) -> np.ndarray:
        """Python integers to ring elements; a value out of range raises, naming its index."""
        ints = [int(v) for v in values]
        lo, hi = (self.signed_min, self.signed_max) if signed else (0, self.modulus - 1)
        for index, v in enumerate(ints):
            if not lo <= v <= hi:
                kind = "signed" if signed else "unsigned"
                raise RingValueError(
                    f"value at index {index} is outside the {kind} {self.bits}-bit range "
                    f"[{lo}, {hi}]"
                )
        return np.array([v % self.modulus for v in ints], dtype=self.dtype)

    def to_signed(self, elements: np.ndarray) -> np.ndarray:
        """Ring elements read as two's complement signed integers."""
        return np.asarray(elements, dtype=self.dtype).view(self.signed_dtype)

    def check(self, array: np.ndarray, name: str = "array") -> np.ndarray:
        """Refuse an array of another dtype rather than silently casting it."""
        if not isinstance(array, np.ndarray) or array.dtype != self.dtype:
            got = getattr(array, "dtype", type(array).__name__)
            raise RingValueError(f"{name} must be a {self.dtype} array for Z_2^{self.bits}, got {got}")
        return array


def _reading(signed: bool | None) -> str:
    return {None: "signed or unsigned", True: "signed", False: "unsigned"}[signed]


RING32 = Ring(32)
RING64 = Ring(64)


def ring_for(bits: int) -> Ring:
    """The ring Z_2^bits; only 32 and 64 are supported."""
    if bits == 32:
        return RING32
    if bits == 64:
        return RING64
    raise RingValueError(f"ring must be 32 or 64 bits, got {bits}")
