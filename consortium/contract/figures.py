"""A member's figure as the browser encodes and shares it (static/js/sharing.js), in Python.

The same rules as the browser library, for the demo's and the tests' submitting clients; the shared
test vectors (tests/vectors/sharing.json) hold both to them. A figure is a decimal string; a field
with `scale` d carries it multiplied by 10^d; a negative value is the two's complement in Z_2^k.
An optional field left empty is 0 with a submitted flag of 0.
"""

import re
import secrets

_DECIMAL = re.compile(r"(-?)(\d+)(?:\.(\d+))?", re.ASCII)


def ring_size(bits: int) -> int:
    if bits not in (32, 64):
        raise ValueError("the ring has 32 or 64 bits")
    return 1 << bits


def scaled(decimal: str, scale: int) -> int:
    """"12.5" at scale 2 -> 1250, exactly; ValueError for anything that is not such a number."""
    match = _DECIMAL.fullmatch(str(decimal))
    if not match:
        raise ValueError("not a decimal number")
    frac = match[3] or ""
    if len(frac) > scale:
        raise ValueError("more decimal places than the field allows")
    value = int(match[2] + frac.ljust(scale, "0"))
    return -value if match[1] else value


def encode(decimal: str, scale: int, bits: int) -> int:
    size = ring_size(bits)
    value = scaled(decimal, scale)
    if not -(size // 2) <= value < size // 2:
        raise ValueError("outside the ring")
    return value % size


def decode(element: int, scale: int, bits: int) -> str:
    size = ring_size(bits)
    if not 0 <= element < size:
        raise ValueError("not a ring element")
    value = element - size if element >= size // 2 else element
    digits = str(abs(value))
    if scale:
        digits = digits.rjust(scale + 1, "0")
        digits = f"{digits[:-scale]}.{digits[-scale:]}"
    return f"-{digits}" if value < 0 else digits


def split(x: int, bits: int, s0: int | None = None, s1: int | None = None) -> list[int]:
    """Three additive shares of ring element x; s0 and s1 uniform from the OS CSPRNG unless given."""
    size = ring_size(bits)
    s0 = secrets.randbelow(size) if s0 is None else s0 % size
    s1 = secrets.randbelow(size) if s1 is None else s1 % size
    return [s0, s1, (x - s0 - s1) % size]


def share_bodies(token: str, period: int, form: str, fields: list[dict], values: dict,
                 bits: int) -> list[dict]:
    """The three `POST {miner}/api/shares` bodies (docs/api.md section 2): body i goes to miner i.
    `fields`: dicts with "code" and "scale"; `values`: code -> decimal string, or None when left empty."""
    out = [{"token": token, "period": period, "form": form, "values": {}, "submitted": {}} for _ in range(3)]
    for field in fields:
        raw = values.get(field["code"])
        given = raw not in (None, "")
        x = encode(raw, field.get("scale", 0), bits) if given else 0
        for i, (share, flag) in enumerate(zip(split(x, bits), split(int(given), bits), strict=True)):
            out[i]["values"][field["code"]] = str(share)
            out[i]["submitted"][field["code"]] = str(flag)
    return out
