"""A new miner host's first step, from nothing: its identity key, a Django secret key, the portal's secret
for this miner (asked for, never an argument: it would stay in the shell's history), and an env file with
every variable the miner needs, filled where known and marked `# TODO` where the host must fill.

    python -m miners.identity.skeleton --index 2 --url https://miner3.example.org \\
        --portal-url https://portal.example.org --dir /etc/consortium-mpc

The secret is read at a hidden prompt on a terminal, else as one line of standard input (or from
`--portal-secret-file`); empty, it stays a TODO. Every later command reads the env file:
`manage.py --env-file DIR/miner.env ...`, `uvicorn --env-file DIR/miner.env ...`.

Django-free on purpose: before this, there are no settings for Django to load (`manage.py init_miner` is
the same, for a host whose environment is already set).
"""

from __future__ import annotations

import argparse
import base64
import getpass
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from consortium.contract import keys

KEY_FILE, DJANGO_KEY_FILE, PORTAL_SECRET_FILE, ENV_FILE = ("identity.key", "django_secret_key",
                                                           "portal_secret", "miner.env")
SECRET_MIN_LENGTH = 32  # the portal's MINER_<i>_SECRET (consortium/checks.py)
PEER_LISTEN = "127.0.0.1:8101"  # the worker's /peer/ws, as docker/reverse-proxy/Caddyfile expects it


@dataclass
class Skeleton:
    directory: Path
    public_key: str
    fingerprint: str

    @property
    def env_file(self) -> Path:
        return self.directory / ENV_FILE


def _create(path: Path, text: str) -> None:
    """A new file readable by its owner only; an existing one is never overwritten."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(text)


def test_machine() -> bool:
    """DEPLOYMENT_ENV=dev in the environment: a test machine (plain http and SQLite alone allowed)."""
    return os.environ.get("DEPLOYMENT_ENV", "").strip() == "dev"


def env_text(directory: Path, index: int, url: str, portal_url: str, have_secret: bool = False, *,
             database_url: str = "", redis_url: str = "", peer_listen: str = PEER_LISTEN) -> str:
    host = urlsplit(url).hostname or "TODO"
    d = directory.resolve()
    lines = [
        "# consortium-mpc miner: written by `python -m miners.identity.skeleton` (`manage.py init_miner`); "
        "every variable this miner needs (README, Settings).",
        *(["# a test machine (plain http, SQLite alone allowed): remove this line in production",
           "DEPLOYMENT_ENV=dev"] if test_machine() else []),
        "DEPLOYMENT_MODE=miner",
        f"MINER_INDEX={index}",
        f"MINER_URL={url}",
        f"ALLOWED_HOSTS={host}",
        "# behind the host's TLS reverse proxy, which sets X-Forwarded-Proto (and overwrites a client's)",
        "TRUST_X_FORWARDED_PROTO=true",
        f"SECRET_KEY_FILE={d / DJANGO_KEY_FILE}",
        f"MINER_IDENTITY_KEY_FILE={d / KEY_FILE}",
        f"PORTAL_URL={portal_url}",
        f"PORTAL_SECRET_FILE={d / PORTAL_SECRET_FILE}",
        *([] if have_secret else [
            f"# TODO: write into {d / PORTAL_SECRET_FILE} (mode 0600) the secret the portal's staff gave "
            f"you for Miner {index + 1} (index {index})"]),
        *([f"DATABASE_URL={database_url}"] if database_url else [
            f"DATABASE_URL=sqlite:///{d / 'miner.sqlite3'}",
            "# TODO (production): DATABASE_URL=postgres://user:password@host:5432/miner  "
            "(DATABASE_URL_FILE also works)"]),
        *([f"REDIS_URL={redis_url}",
           "# the Celery worker (started by `manage.py run_miner`) serves /peer/ws here: the reverse proxy "
           "sends wss://<this miner>/peer/ws to it",
           f"MINER_PEER_LISTEN={peer_listen}"] if redis_url else [
            "# TODO (production): REDIS_URL=redis://127.0.0.1:6379/0, and MINER_PEER_LISTEN=127.0.0.1:8101 "
            "where the Celery worker serves /peer/ws"]),
        "# The two peers: `manage.py --env-file <this file> add_peer <url> <fingerprint> [<url> "
        "<fingerprint>]` pins them in the database (no variable needed).",
        "# after a rotation, how long the old key is still accepted (default 7 days)",
        "# MINER_KEY_GRACE_SECONDS=604800",
    ]
    return "\n".join(lines) + "\n"


def secret_problem(secret: str) -> str | None:
    if len(secret) < SECRET_MIN_LENGTH:
        return (f"the portal secret has {len(secret)} characters; the portal's are at least "
                f"{SECRET_MIN_LENGTH}: check what its staff gave you")
    if any(c.isspace() for c in secret):
        return "the portal secret contains a space: check what its staff gave you"
    return None


def create(directory: Path, index: int, url: str, portal_url: str, portal_secret: str = "", *,
           database_url: str = "", redis_url: str = "", peer_listen: str = PEER_LISTEN) -> Skeleton:
    """Write the key files, the portal secret (when given) and the env file into `directory` (made 0700 if
    new). FileExistsError when any of them exists already: a miner's identity is never replaced by
    accident."""
    if index not in (0, 1, 2):
        raise ValueError("the miner index is 0, 1 or 2")
    if portal_secret and (problem := secret_problem(portal_secret)):
        raise ValueError(problem)
    schemes = ("https", "http") if test_machine() else ("https",)
    for name, value in (("--url", url), ("--portal-url", portal_url)):
        parts = urlsplit(value)
        if parts.scheme not in schemes or not parts.netloc:
            raise ValueError(f"{name} must be an https:// base URL, e.g. "
                             f"https://miner{index + 1}.example.org (plain http only on a test machine, "
                             "with DEPLOYMENT_ENV=dev)")
    if database_url and urlsplit(database_url).scheme not in ("postgres", "postgresql", "sqlite"):
        raise ValueError("--database-url must be a postgres:// (or sqlite://) URL")
    if redis_url and urlsplit(redis_url).scheme not in ("redis", "rediss"):
        raise ValueError("--redis-url must be a redis:// (or rediss://) URL")
    if directory.exists():
        if directory.stat().st_mode & 0o077:  # its files and the SQLite store: this host's only
            raise ValueError(f"{directory} can be read by other users: choose a new directory, or make it "
                             f"private first (chmod 700 {directory})")
    else:
        directory.mkdir(mode=0o700, parents=True)
    for name in (KEY_FILE, DJANGO_KEY_FILE, ENV_FILE, *((PORTAL_SECRET_FILE,) if portal_secret else ())):
        if (directory / name).exists():
            raise FileExistsError(directory / name)
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    _create(directory / KEY_FILE, base64.b64encode(raw).decode() + "\n")
    _create(directory / DJANGO_KEY_FILE, secrets.token_urlsafe(50) + "\n")
    if portal_secret:
        _create(directory / PORTAL_SECRET_FILE, portal_secret + "\n")
    _create(directory / ENV_FILE, env_text(directory, index, url.rstrip("/"), portal_url.rstrip("/"),
                                           have_secret=bool(portal_secret), database_url=database_url,
                                           redis_url=redis_url, peer_listen=peer_listen))
    public = keys.encode_public_key(key)
    return Skeleton(directory, public, keys.fingerprint(public))


def report(skeleton: Skeleton, index: int) -> str:
    env = skeleton.env_file.resolve()
    manage = f".venv/bin/python manage.py --env-file {env}"
    have_secret = (skeleton.directory / PORTAL_SECRET_FILE).exists()
    lines = [
        f"Created this miner's identity (miner {index + 1}, index {index}) in "
        f"{skeleton.directory.resolve()}:",
        f"  {KEY_FILE} (the private key, mode 0600: never copy it elsewhere), {DJANGO_KEY_FILE}, "
        f"{PORTAL_SECRET_FILE + ', ' if have_secret else ''}{ENV_FILE}",
        "",
        f"  public key:  {skeleton.public_key}",
        f"  fingerprint: {skeleton.fingerprint}",
        "",
        "Read the fingerprint out over the phone to the two other miners' hosts and to the portal's staff.",
        f"Next (every command reads this miner's settings from {env}):",
    ]
    if not have_secret:
        secret_path = skeleton.directory.resolve() / PORTAL_SECRET_FILE
        lines.append(f"  first write the secret the portal's staff gave you into {secret_path} (mode 0600), "
                     "and fill any other line marked TODO")
    lines += [
        "  2. pin the two peers, with the URL and the fingerprint each peer's host told you:",
        f"       {manage} add_peer https://<peer> '<fingerprint>' https://<other peer> '<fingerprint>'",
        f"  3. {manage} register_with_portal   (the portal's staff then approve it in admin)",
        f"  4. {manage} run_miner --port <the port your reverse proxy forwards to>",
        f"  5. {manage} doctor",
    ]
    return "\n".join(lines)


def add_store_arguments(parser) -> None:
    parser.add_argument("--database-url", default="",
                        help="the miner's PostgreSQL database, postgres://user:password@host:5432/name "
                             "(default: SQLite in --dir, a test machine's)")
    parser.add_argument("--redis-url", default="",
                        help="its Redis, redis://127.0.0.1:6379/0: runs then compute in a Celery worker "
                             "(production; `manage.py run_miner` starts it)")
    parser.add_argument("--peer-listen", default=PEER_LISTEN,
                        help=f"with --redis-url: where the worker serves /peer/ws (default {PEER_LISTEN})")


def read_portal_secret(secret_file: str | None, index: int) -> str:
    """The portal's secret for this miner: from `secret_file`, else at a hidden prompt on a terminal,
    else one line of standard input; "" when none is given (the env file then says TODO)."""
    if secret_file:
        return Path(secret_file).read_text(encoding="utf-8").strip()
    if sys.stdin is None:
        return ""
    if sys.stdin.isatty():
        return getpass.getpass(f"The secret the portal's staff gave you for Miner {index + 1} "
                               "(hidden; Enter to add it later): ").strip()
    return sys.stdin.readline().strip()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m miners.identity.skeleton",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=int, required=True, choices=(0, 1, 2), help="this miner's index")
    parser.add_argument("--url", required=True, help="this miner's base URL, e.g. https://miner3.example.org")
    parser.add_argument("--portal-url", required=True, help="the portal's base URL")
    parser.add_argument("--dir", default=".", help="where to write the files (default: here)")
    parser.add_argument("--portal-secret-file", default=None,
                        help="a file holding the portal's secret for this miner (default: asked for)")
    add_store_arguments(parser)
    args = parser.parse_args(argv)
    try:
        secret = read_portal_secret(args.portal_secret_file, args.index)
        skeleton = create(Path(args.dir), args.index, args.url, args.portal_url, secret,
                          database_url=args.database_url, redis_url=args.redis_url,
                          peer_listen=args.peer_listen)
    except FileExistsError as exc:
        print(f"error: {exc.args[0]} exists already: a miner's identity is not replaced by accident "
              "(to replace the key of a running miner: manage.py rotate_identity)", file=sys.stderr)
        return 1
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(report(skeleton, args.index))
    return 0


if __name__ == "__main__":
    sys.exit(main())
