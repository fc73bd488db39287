"""ShareArray: `{"dtype": "u32" | "u64", "data": "<base64 of the little-endian words>"}` (docs/api.md)."""

import base64
import binascii

import numpy as np

DTYPES = {"u32": (32, np.dtype("<u4")), "u64": (64, np.dtype("<u8"))}


def max_base64_length(max_values: int) -> int:
    """The longest `data` of `max_values` 64-bit words, with padding."""
    return 4 * ((max_values * 8 + 2) // 3)


def encode(array: np.ndarray) -> dict:
    """Ring elements (uint32 or uint64) as a ShareArray."""
    array = np.asarray(array)
    name = {4: "u32", 8: "u64"}[array.dtype.itemsize]
    return {"dtype": name, "data": base64.b64encode(array.astype(DTYPES[name][1]).tobytes()).decode()}


def decode(ring_bits: int, share_array: dict, count: int) -> np.ndarray:
    """A ShareArray to `count` elements of the ring of `ring_bits` bits (numpy's native dtype);
    ValueError when the dtype is not the ring's or the length is not exactly `count` words."""
    bits, dtype = DTYPES.get(share_array.get("dtype"), (None, None))
    if bits != ring_bits:
        raise ValueError(f"dtype is not u{ring_bits}")
    try:
        raw = base64.b64decode(share_array["data"], validate=True)
    except (binascii.Error, TypeError):
        raise ValueError("data is not base64") from None
    if len(raw) != count * dtype.itemsize:
        raise ValueError(f"length is not {count} words")
    return np.frombuffer(raw, dtype=dtype).astype(dtype.newbyteorder("="))
