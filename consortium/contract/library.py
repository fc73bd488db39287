"""The browser's sharing library (static/js/sharing.js): the code that splits a member's figures into
shares, and the digests by which the portal and the miners name the version they serve or ship.

A member's browser runs whatever the portal serves; each miner's operator reviews the library of the
version the miner runs. Both sides hash it here, the same way, so that the portal can show where the two
differ (docs/api.md section 5). The Subresource Integrity value is what the form page's `<script>` carries
(https://www.w3.org/TR/SRI/: the algorithm, a dash, the base64 of the digest).
"""

import base64
import hashlib
from pathlib import Path

SHARING_LIBRARY = "js/sharing.js"  # its name under static/ (and under the portal's STATIC_URL)
REPOSITORY = Path(__file__).resolve().parents[2]  # consortium/contract/library.py -> the checkout


def sharing_library_path() -> Path:
    """static/js/sharing.js in this checkout (or image: the Dockerfile copies static/ beside the code)."""
    return REPOSITORY / "static" / SHARING_LIBRARY


def sha256_hex(data: bytes) -> str:
    """64 lower-case hex digits, as `sha256sum` prints them."""
    return hashlib.sha256(data).hexdigest()


def sri(data: bytes) -> str:
    """The `integrity` attribute for these bytes: SHA-384, the strength the SRI specification suggests."""
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode("ascii")


def is_sha256_hex(value) -> bool:
    """Whether `value` is a digest as `sha256_hex` writes it (the portal checks a miner's answer)."""
    return (isinstance(value, str) and len(value) == 64
            and all(c in "0123456789abcdef" for c in value))


def shipped_sha256() -> str:
    """The SHA-256 of the library in this checkout, or "" when it is not there."""
    try:
        return sha256_hex(sharing_library_path().read_bytes())
    except FileNotFoundError:
        return ""
