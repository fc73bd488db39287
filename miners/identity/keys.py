"""The identity key as this miner holds it: base64 of the 32 raw private bytes (MINER_IDENTITY_KEY, or
the file named by MINER_IDENTITY_KEY_FILE, which `manage.py create_identity` writes)."""

import base64
import binascii
import contextlib
import hmac
import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from django.conf import settings

from consortium.contract import keys


class NoIdentity(Exception):
    """The identity key is missing or malformed; str() names the setting, never the key."""


def encode_private_key(key: Ed25519PrivateKey) -> str:
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return base64.b64encode(raw).decode()


def parse_private_key(encoded: str | None) -> Ed25519PrivateKey:
    if not encoded:
        raise NoIdentity("MINER_IDENTITY_KEY (or MINER_IDENTITY_KEY_FILE) is not set")
    try:
        raw = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise NoIdentity("MINER_IDENTITY_KEY is not base64") from None
    if len(raw) != 32:
        raise NoIdentity("MINER_IDENTITY_KEY does not decode to 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(raw)


def signing_key() -> Ed25519PrivateKey:
    """This miner's key; NoIdentity when it has none. The file (MINER_IDENTITY_KEY_FILE) is read again at
    each call: `rotate_identity` replaces it while the miner runs."""
    if settings.MINER_IDENTITY_KEY_PATH:
        try:
            encoded = Path(settings.MINER_IDENTITY_KEY_PATH).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError):
            raise NoIdentity("MINER_IDENTITY_KEY_FILE cannot be read") from None
        return _parsed(encoded)
    return _parsed(settings.MINER_IDENTITY_KEY)


_last: tuple = (None, None)  # (encoded, key): the last text parsed and its key (replaced whole: thread-safe)


def _parsed(encoded: str | None) -> Ed25519PrivateKey:
    """parse_private_key, once per text: every share intake signs with the key (it was 1.5 % of the miner's
    CPU per submission). A rotated key is another text and is parsed anew."""
    global _last
    last_encoded, last_key = _last
    if last_key is not None and encoded and hmac.compare_digest(encoded.encode(), last_encoded.encode()):
        return last_key
    key = parse_private_key(encoded)
    _last = (encoded, key)
    return key


def own_public_key() -> str:
    return keys.encode_public_key(signing_key())


def write_new_key(path: Path) -> Ed25519PrivateKey:
    """A fresh key written to `path` (created, readable by its owner only: 0600); never overwrites."""
    key = Ed25519PrivateKey.generate()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(encode_private_key(key) + "\n")
    return key


def previous_key_path(path: Path) -> Path:
    return path.with_name(path.name + ".previous")


def _write_atomically(path: Path, text: str) -> None:
    """`text` in a new 0600 file beside `path`, synced, then renamed over it: readers see old or new."""
    # a new file of our own (O_EXCL, 0600): never one left or planted there, nor a symbolic link's target
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def install_new_key(path: Path, key: Ed25519PrivateKey) -> Path:
    """Replace the key file at `path` by `key` atomically, the old key kept in `<path>.previous` (0600)
    until the grace period ends. Returns where the old key is."""
    previous = previous_key_path(path)
    _write_atomically(previous, path.read_text(encoding="ascii"))
    _write_atomically(path, encode_private_key(key) + "\n")
    return previous
