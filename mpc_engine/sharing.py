"""Additive and replicated shares, and the local (communication-free) operations on them.

Additive 3-out-of-3: x = s0 + s1 + s2, party i holds s_i (what a browser sends).
Replicated 2-out-of-3 (Araki et al. CCS 2016): x = x0 + x1 + x2 and party i holds the
pair (x_i, x_{i+1}), indices mod 3; any two parties together know all three
components, one alone sees two uniform values.  `ArithShares` uses + over Z_2^k,
`BoolShares` uses XOR over bit-sliced words (one word holds one element's k bits).

Party i stores its pair as (`a`, `b`) = (x_i, x_{i+1}).  Component 0 is held by party
0 (as `a`) and party 2 (as `b`), so a public constant enters through component 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .randomness import random_array
from .ring import Ring


class InconsistentShares(ValueError):
    """The two copies of a replicated component differ: a share was altered."""


def additive_shares(ring: Ring, secret: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split ring elements into three additive shares; s0 and s1 from the OS CSPRNG."""
    secret = ring.check(np.asarray(secret), "secret")
    s0 = random_array(ring.dtype, secret.shape)
    s1 = random_array(ring.dtype, secret.shape)
    return s0, s1, secret - s0 - s1


def reconstruct_additive(shares) -> np.ndarray:
    s0, s1, s2 = shares
    return s0 + s1 + s2


def reconstruct_replicated(pairs, boolean: bool = False) -> np.ndarray:
    """Reconstruct from the three parties' (a, b) pairs, checking both copies of each component.

    Party i's `b` is component i+1, which party i+1 holds as its `a`; a mismatch means
    one party altered what it sent.  The error names the component, never a value.
    `boolean` reconstructs XOR-shared words.
    """
    if len(pairs) != 3:
        raise ValueError("replicated reconstruction needs the pairs of all three parties")
    for i in range(3):
        nxt = (i + 1) % 3
        a_next, b_here = np.asarray(pairs[nxt][0]), np.asarray(pairs[i][1])
        if a_next.shape != b_here.shape or a_next.dtype != b_here.dtype:
            raise InconsistentShares(f"component {nxt}: shapes or dtypes differ")
        if not np.array_equal(a_next, b_here):
            raise InconsistentShares(f"component {nxt} differs between parties {i} and {nxt}")
    a0, a1, a2 = (np.asarray(pair[0]) for pair in pairs)
    return (a0 ^ a1 ^ a2) if boolean else (a0 + a1 + a2)


@dataclass(frozen=True)
class _Pair:
    """Party `pid`'s two components (a, b) = (x_pid, x_pid+1) of one shared array."""

    a: np.ndarray
    b: np.ndarray
    pid: int

    @property
    def shape(self) -> tuple[int, ...]:
        return self.a.shape

    @property
    def dtype(self) -> np.dtype:
        return self.a.dtype

    def __len__(self) -> int:
        return len(self.a)

    def __getitem__(self, index):
        return type(self)(self.a[index], self.b[index], self.pid)

    def reshape(self, *shape):
        return type(self)(self.a.reshape(*shape), self.b.reshape(*shape), self.pid)

    def copy(self):
        return type(self)(self.a.copy(), self.b.copy(), self.pid)

    def _with_constant(self, a_delta, b_delta):
        """Add (or XOR) a public value into component 0 (held by parties 0 and 2)."""
        return type(self)(a_delta(self.a) if self.pid == 0 else self.a,
                          b_delta(self.b) if self.pid == 2 else self.b, self.pid)

    def _same(self, other) -> None:
        if type(other) is not type(self):
            raise TypeError(f"cannot combine {type(self).__name__} with {type(other).__name__}")


class ArithShares(_Pair):
    """Replicated additive shares over Z_2^k; + and - are local, as is * by a public value."""

    def __add__(self, other):
        if isinstance(other, ArithShares):
            return ArithShares(self.a + other.a, self.b + other.b, self.pid)
        c = _public(other, self.dtype)
        return self._with_constant(lambda a: a + c, lambda b: b + c)

    __radd__ = __add__

    def __sub__(self, other):
        if isinstance(other, ArithShares):
            return ArithShares(self.a - other.a, self.b - other.b, self.pid)
        return self + _negate(_public(other, self.dtype))

    def __rsub__(self, other):
        return (-self) + other

    def __neg__(self):
        return ArithShares(-self.a, -self.b, self.pid)

    def __mul__(self, public):
        if isinstance(public, _Pair):
            raise TypeError("shared * shared needs a protocol: use protocols.arithmetic.mul")
        c = _public(public, self.dtype)
        return ArithShares(self.a * c, self.b * c, self.pid)

    __rmul__ = __mul__

    def sum(self, axis=None):
        return ArithShares(np.asarray(self.a.sum(axis=axis, dtype=self.dtype)),
                           np.asarray(self.b.sum(axis=axis, dtype=self.dtype)), self.pid)

    def cumsum(self, axis=-1):
        return ArithShares(np.cumsum(self.a, axis=axis, dtype=self.dtype),
                           np.cumsum(self.b, axis=axis, dtype=self.dtype), self.pid)


class BoolShares(_Pair):
    """Replicated XOR shares of bit-sliced words; XOR, shifts and AND with a public mask are local."""

    def __xor__(self, other):
        if isinstance(other, BoolShares):
            return BoolShares(self.a ^ other.a, self.b ^ other.b, self.pid)
        c = _public(other, self.dtype)
        return self._with_constant(lambda a: a ^ c, lambda b: b ^ c)

    __rxor__ = __xor__

    def __invert__(self):
        return self ^ np.iinfo(self.dtype).max

    def __and__(self, public):
        if isinstance(public, _Pair):
            raise TypeError("shared & shared needs a protocol: use protocols.boolean.and_")
        c = _public(public, self.dtype)
        return BoolShares(self.a & c, self.b & c, self.pid)

    __rand__ = __and__

    def __lshift__(self, bits: int):
        return BoolShares(self.a << self.dtype.type(bits), self.b << self.dtype.type(bits), self.pid)

    def __rshift__(self, bits: int):
        return BoolShares(self.a >> self.dtype.type(bits), self.b >> self.dtype.type(bits), self.pid)


def _public(value, dtype):
    """A public int or array as ring elements (negative ints wrap, as two's complement)."""
    if isinstance(value, np.ndarray):
        if value.dtype != dtype:
            raise TypeError(f"public array must be {dtype}, got {value.dtype}")
        return value
    if isinstance(value, (int, np.integer)):
        bits = np.dtype(dtype).itemsize * 8
        return np.dtype(dtype).type(int(value) % (1 << bits))
    raise TypeError(f"cannot use {type(value).__name__} as a public ring value")


def _negate(c):
    if isinstance(c, np.ndarray):
        return -c
    return c.dtype.type((-int(c)) % (1 << (c.dtype.itemsize * 8)))


def concat(parts, axis=0):
    """Concatenate shares of one kind (e.g. to batch several comparisons into one round)."""
    kind = type(parts[0])
    for p in parts:
        parts[0]._same(p)
    return kind(np.concatenate([p.a for p in parts], axis=axis),
                np.concatenate([p.b for p in parts], axis=axis), parts[0].pid)


def stack(parts):
    kind = type(parts[0])
    return kind(np.stack([p.a for p in parts]), np.stack([p.b for p in parts]), parts[0].pid)


def component2(x: _Pair, kind) -> _Pair:
    """Component x_2 of x alone, as a `kind` sharing (0, 0, x_2): local.

    Parties 1 (as b) and 2 (as a) both hold x_2, so it can be re-read as a sharing of
    the other kind, e.g. the XOR sharing of x_2 that a2b adds to what party 0 inputs.
    """
    zero = np.zeros_like(x.a)
    return kind(x.a if x.pid == 2 else zero, x.b if x.pid == 1 else zero, x.pid)


def public_shares(kind, value: np.ndarray, pid: int):
    """A public array as a (trivial) sharing: component 0 = value, the others 0."""
    zero = np.zeros_like(value)
    return kind(value.copy() if pid == 0 else zero, value.copy() if pid == 2 else zero.copy(), pid)
