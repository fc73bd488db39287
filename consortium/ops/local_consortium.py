"""`python -m consortium.ops.local_consortium DIR`: everything docker/consortium.compose.yml needs that must
not be in a file under version control, written into DIR (then `--env-file DIR/.env`):

  DIR/certs/    a private CA and a certificate per host (certificates.py): portal, miner<i>+miner<i>-worker
  DIR/secrets/  every secret as a file (0600, a 0700 directory): Django keys, database passwords and URLs,
                each (portal, miner) secret, each miner's Ed25519 identity key
  DIR/.env      the miners' public keys (not secrets), APP_UID (this user: the containers read the 0600
                files as their owner; as root, the files go to the image's user 10001 instead, for the
                containers never run as root) and LOCAL_DIR

For a consortium rehearsed on one machine only. Refuses to replace anything without --force.
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import shutil
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from consortium.contract.keys import encode_public_key
from consortium.ops.certificates import make_test_certificates, parse_hosts

MINERS = 3
IMAGE_UID = 10001  # docker/Dockerfile's user
HOSTS = "portal," + ",".join(f"miner{i}+miner{i}-worker" for i in range(MINERS))


def _write(path: Path, text: str, mode: int = 0o600) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "w") as f:
        f.write(text + "\n")


def _party_secrets(party: str) -> dict[str, str]:
    password = secrets.token_urlsafe(24)
    return {f"{party}_secret_key": secrets.token_urlsafe(50), f"{party}_postgres_password": password,
            f"{party}_database_url": f"postgres://{party}:{password}@{party}-postgres:5432/{party}"}


def make_local_consortium(directory: Path, *, force: bool = False) -> dict[str, str]:
    """Write DIR/certs, DIR/secrets and DIR/.env; the .env's values."""
    directory = directory.resolve()
    if force:
        for sub in ("certs", "secrets"):
            shutil.rmtree(directory / sub, ignore_errors=True)
        (directory / ".env").unlink(missing_ok=True)
    for existing in (directory / "certs", directory / "secrets", directory / ".env"):
        if existing.exists():
            raise FileExistsError(str(existing))
    directory.mkdir(parents=True, exist_ok=True)
    make_test_certificates(directory / "certs", parse_hosts(HOSTS))
    secret_dir = directory / "secrets"
    secret_dir.mkdir(mode=0o700)
    values = _party_secrets("portal")
    uid = os.getuid() or IMAGE_UID
    env = {"APP_UID": str(uid), "LOCAL_DIR": str(directory)}
    for i in range(MINERS):
        key = Ed25519PrivateKey.generate()
        values |= _party_secrets(f"miner{i}")
        values[f"miner{i}_portal_secret"] = secrets.token_urlsafe(32)
        values[f"miner{i}_identity_key"] = base64.b64encode(
            key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())).decode()
        env[f"MINER{i}_PUBLIC_KEY"] = encode_public_key(key)
    for name, value in values.items():
        _write(secret_dir / name, value)
    _write(directory / ".env", "\n".join(f"{k}={v}" for k, v in env.items()), 0o644)
    if os.getuid() == 0:
        for path in [secret_dir, *secret_dir.iterdir(), *(directory / "certs").glob("*.key")]:
            os.chown(path, IMAGE_UID, IMAGE_UID)
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m consortium.ops.local_consortium", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--force", action="store_true", help="replace DIR's certs, secrets and .env")
    args = parser.parse_args(argv)
    try:
        make_local_consortium(args.directory, force=args.force)
    except FileExistsError as exc:
        print(f"{exc} exists already: nothing was written (--force replaces everything)", file=sys.stderr)
        return 1
    print(f"wrote {args.directory}/certs, secrets/ and .env; now:\n  docker compose -f "
          f"docker/consortium.compose.yml --env-file {args.directory}/.env up --build")
    return 0


if __name__ == "__main__":
    sys.exit(main())
