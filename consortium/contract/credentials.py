"""The `Authorization` headers between the portal and the miners (docs/api.md, "Authentication").

`Miner <i> <secret_i>` (miner -> portal) and `Portal <secret_i>` (portal -> miner). Parsed strictly:
the scheme, single ASCII spaces, an index of one digit, a secret of visible ASCII only. `str.split()`
would also split on a no-break space or a tab, so a header that no client sends would still pass.
"""

import hmac
import re
import secrets

from . import MINERS

MINER_SCHEME = "Miner"
PORTAL_SCHEME = "Portal"
_VISIBLE_ASCII = r"([\x21-\x7e]{1,256})"  # visible ASCII: no space of any kind
_MINER = re.compile(rf"Miner ([0-9]) {_VISIBLE_ASCII}", re.ASCII)
_PORTAL = re.compile(rf"Portal {_VISIBLE_ASCII}", re.ASCII)


class BadCredentials(ValueError):
    """The header names the scheme but is not exactly of the documented form."""


def scheme_of(header: str) -> str:
    """The header's first word (as far as the first ASCII space): tells whose credential it claims to be."""
    return header.split(" ", 1)[0]


def parse_miner(header: str) -> tuple[int, str]:
    """(index, secret) of `Miner <i> <secret>`; BadCredentials for anything else."""
    match = _MINER.fullmatch(header)
    if not match or int(match[1]) >= MINERS:
        raise BadCredentials("malformed Miner credentials")
    return int(match[1]), match[2]


def parse_portal(header: str) -> str:
    """The secret of `Portal <secret>`; BadCredentials for anything else."""
    match = _PORTAL.fullmatch(header)
    if not match:
        raise BadCredentials("malformed Portal credentials")
    return match[1]


def miner_header(index: int, secret: str) -> str:
    return f"{MINER_SCHEME} {index} {secret}"


def portal_header(secret: str) -> str:
    return f"{PORTAL_SCHEME} {secret}"


def secret_matches(presented_secret: str, expected_secret: str) -> bool:
    """Constant-time comparison. An unconfigured (empty) secret is compared with a random one, so
    nothing ever matches it and the time taken does not tell a caller which secrets are configured."""
    reference_secret = expected_secret.encode() if expected_secret else secrets.token_bytes(32)
    return hmac.compare_digest(presented_secret.encode(), reference_secret) and bool(expected_secret)
