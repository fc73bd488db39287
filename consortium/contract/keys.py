"""Ed25519 identity keys as the contract writes them (base64 of the 32 raw bytes) and signatures.

A configured key is checked before it is trusted: canonical encoding, on the curve, not of small order.
"""

import base64
import binascii
import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

_P = 2**255 - 19  # the field of Ed25519 (RFC 8032, section 5.1)
_D = -121665 * pow(121666, _P - 2, _P) % _P

# The eight points of small order (1, 2, 4 and 8) on Ed25519, canonically encoded. With such a public key
# a signature R = the identity point, S = 0 verifies for every message, so anyone could forge that
# miner's receipts (cryptography/OpenSSL accepts them as keys). The list: the 8-torsion subgroup, as
# enumerated in Chalkias, Garillot, Nikolaenko, "Taming the many EdDSAs" (SSR 2020), and in libsodium's
# ge25519_has_small_order blocklist; tests/project/test_checks_miners.py recomputes that 8P = 0 for each.
# Non-canonical encodings (y >= p, or x = 0 with the sign bit) are refused before this list is consulted.
ED25519_SMALL_ORDER = frozenset(bytes.fromhex(h) for h in (
    "0100000000000000000000000000000000000000000000000000000000000000",  # identity, order 1
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # (0, -1), order 2
    "0000000000000000000000000000000000000000000000000000000000000000",  # order 4
    "0000000000000000000000000000000000000000000000000000000000000080",  # order 4
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  # order 8
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",  # order 8
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  # order 8
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",  # order 8
))


def ed25519_key_problem(encoded: str) -> str | None:
    """Why `encoded` (base64 of 32 bytes) is no usable Ed25519 public key, or None when it is one."""
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return "is not base64"
    if len(raw) != 32:
        return f"decodes to {len(raw)} bytes, not 32"
    y, negative = int.from_bytes(raw, "little") & ((1 << 255) - 1), raw[31] >> 7
    if y >= _P:
        return "is not a canonical point encoding"
    # Point decompression (RFC 8032, 5.1.3): x^2 = (y^2 - 1) / (d y^2 + 1) must have a square root.
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * pow(2, (_P - 1) // 4, _P) % _P
    if (x * x - x2) % _P:
        return "is not a point on the curve"
    if x == 0 and negative:
        return "is not a canonical point encoding"
    if raw in ED25519_SMALL_ORDER:
        return "is a point of small order, which would accept forged signatures"
    return None


def public_key(encoded: str) -> Ed25519PublicKey | None:
    """The key written as base64 of 32 bytes, or None when it is missing, malformed or unsafe."""
    if not encoded or ed25519_key_problem(encoded):
        return None
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(encoded, validate=True))


def encode_public_key(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """base64 of the 32 raw bytes of the public key (of a private key: of its public half)."""
    if isinstance(key, Ed25519PrivateKey):
        key = key.public_key()
    return base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def sign(private_key: Ed25519PrivateKey, message: bytes) -> str:
    return base64.b64encode(private_key.sign(message)).decode()


def signature_is_valid(key: Ed25519PublicKey, message: bytes, signature_b64: str) -> bool:
    try:
        key.verify(base64.b64decode(signature_b64, validate=True), message)
    except (binascii.Error, ValueError, TypeError, InvalidSignature):
        return False
    return True


def fingerprint(encoded: str) -> str:
    """A public key (base64 of 32 bytes) as people compare it over the phone: the first 128 bits of its
    SHA-256 in eight groups of four hex digits, e.g. `3F2A 91C0 ...`. Two hosts that read out the same
    groups hold the same key; finding another key with the same 128 bits is out of reach."""
    digest = hashlib.sha256(base64.b64decode(encoded, validate=True)).hexdigest()[:32].upper()
    return " ".join(digest[k:k + 4] for k in range(0, 32, 4))
