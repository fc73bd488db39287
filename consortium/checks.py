"""System checks on the deployment role and, on a production portal, on the miners' settings.

`manage.py check`, `migrate` and the Docker entrypoint run them, so a misconfigured
miner stops before it serves or computes anything, and a portal before it trusts a weak miner secret,
a forgeable key or a miner reached over plain http.
"""

import base64
import binascii
import os
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

from consortium.contract.keys import ed25519_key_problem


def check_deployment_role(app_configs=None, **kwargs):
    if settings.DEPLOYMENT_MODE == "miner" and settings.MINER_INDEX is None:
        return [
            checks.Error(
                "A miner needs MINER_INDEX.",
                hint="Set MINER_INDEX to 0, 1 or 2: the share of every input this miner holds.",
                id="consortium.E001",
            )
        ]
    if settings.DEPLOYMENT_MODE == "portal" and settings.MINER_INDEX is not None:
        return [
            checks.Warning(
                "MINER_INDEX is set but DEPLOYMENT_MODE is portal; it is ignored.",
                hint="Unset MINER_INDEX, or set DEPLOYMENT_MODE=miner.",
                id="consortium.W001",
            )
        ]
    return []


# --- The miners as the portal knows them (settings.MINERS) ------------------------------------

# A miner's secret authenticates it to the portal: 32 characters at least (`secrets.token_urlsafe(32)`
# gives 43), so that it cannot be guessed, and one per miner, so that miner 0 can never act as miner 1.
MINER_SECRET_MIN_LENGTH = 32

# Keys pinned in a database take precedence over the settings (the settings are the first pin). The apps
# that store them say how to read them, in their AppConfig.ready(): the checks import no app.
# portal (consortium.portal.minerlink): miner index -> its pinned public key, or None for the setting's
PINNED_MINER_KEY = None
# miner (miners.pins): () -> {peer index: {"url", "public_key", "channel_url"}}, stored pins merged in
PINNED_PEERS = None


def _peers() -> dict:
    return PINNED_PEERS() if PINNED_PEERS is not None else settings.MINER_PEERS

def _configured_miners():
    """The miners with any setting: a portal may be deployed before all three miners are known."""
    return [(i, m) for i, m in enumerate(settings.MINERS)
            if any(m.get(k) for k in ("url", "secret", "public_key"))]


def _miner_problems(i, miner):
    secret, key, url = miner.get("secret") or "", miner.get("public_key") or "", miner.get("url") or ""
    pinned = PINNED_MINER_KEY(i) if PINNED_MINER_KEY is not None else None
    key = pinned or key
    if len(secret) < MINER_SECRET_MIN_LENGTH:
        yield checks.Error(
            f"MINER_{i}_SECRET is missing or shorter than {MINER_SECRET_MIN_LENGTH} characters.",
            hint="Give each miner its own random secret, e.g. "
                 "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`.",
            id="consortium.E002")
    problem = ed25519_key_problem(key)
    if not key:
        # a miner that joins: the portal runs, the miner registers (`register_with_portal`), staff approve
        yield checks.Warning(
            f"MINER_{i}_PUBLIC_KEY is not set and no key of miner {i} is approved yet: its receipts and "
            "outputs are refused until one is.",
            hint="Approve the miner's registration in admin (Miner registrations) after comparing its "
                 "fingerprint with the one its host reads out, or set MINER_<i>_PUBLIC_KEY.",
            id="consortium.W003")
    elif problem:
        yield checks.Error(
            f"MINER_{i}_PUBLIC_KEY {problem}.",
            hint="Set it to the base64 of the miner's 32-byte Ed25519 public key, as the miner prints it.",
            id="consortium.E003")
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc:
        yield checks.Error(
            f"MINER_{i}_URL is not an https:// address.",
            hint="The portal sends the miner's secret with every call: only over TLS, e.g. https://miner0.example.org.",
            id="consortium.E004")


def _shared(values):
    """Pairs (i, j) of miners whose value is the same."""
    return [(i, j) for n, (i, a) in enumerate(values) for j, b in values[n + 1:] if a == b]


def check_miner_settings(app_configs=None, **kwargs):
    """In production, each configured miner needs a strong secret and a sound key, its own, and https."""
    if settings.DEPLOYMENT_MODE != "portal" or settings.DEPLOYMENT_ENV == "dev":
        return []
    miners = _configured_miners()
    errors = [error for i, miner in miners for error in _miner_problems(i, miner)]
    secrets = [(i, m["secret"]) for i, m in miners if m.get("secret")]
    keys = [(i, base64.b64decode(m["public_key"])) for i, m in miners
            if m.get("public_key") and ed25519_key_problem(m["public_key"]) is None]
    errors += [checks.Error(f"Miners {i} and {j} have the same secret.",
                            hint="Each miner needs its own secret, or one could act as the other.",
                            id="consortium.E005") for i, j in _shared(secrets)]
    errors += [checks.Error(f"Miners {i} and {j} have the same public key.",
                            hint="Each miner signs with its own key, or one could sign as the other.",
                            id="consortium.E006") for i, j in _shared(keys)]
    return errors


# --- A miner's own settings: its portal, its identity key, its two peers --------------------------------

PORTAL_SECRET_MIN_LENGTH = MINER_SECRET_MIN_LENGTH  # the same secret, seen from the miner's side


def _identity_key_problem(encoded: str | None) -> str | None:
    if not encoded:
        return "is not set"
    try:
        raw = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return "is not base64"
    return None if len(raw) == 32 else "does not decode to 32 bytes"


def _miner_setting_problems():
    """(setting, problem, hint) for every missing or unusable setting of this miner."""
    dev = settings.DEPLOYMENT_ENV == "dev"
    schemes = ("https", "http") if dev else ("https",)
    portal = urlsplit(settings.PORTAL_URL or "")
    if portal.scheme not in schemes or not portal.netloc:
        yield ("PORTAL_URL", "is not an https:// address" if settings.PORTAL_URL else "is not set",
               "The portal's base URL, e.g. https://portal.example.org: the miner checks every access token "
               "there and pushes its results there, with its secret.")
    if len(settings.PORTAL_SECRET or "") < PORTAL_SECRET_MIN_LENGTH:
        yield ("PORTAL_SECRET", f"is missing or shorter than {PORTAL_SECRET_MIN_LENGTH} characters",
               "Set PORTAL_SECRET or PORTAL_SECRET_FILE to the secret the portal has as MINER_<i>_SECRET "
               "for this miner.")
    problem = _identity_key_problem(settings.MINER_IDENTITY_KEY)
    if problem:
        yield ("MINER_IDENTITY_KEY", problem,
               "Run `manage.py create_identity /path/to/key` and set MINER_IDENTITY_KEY_FILE to that file.")
    for j, peer in sorted(_peers().items()):
        url = urlsplit(peer.get("url") or "")
        if url.scheme not in schemes or not url.netloc:
            yield (f"MINER_PEER_{j}_URL", "is not an https:// address" if peer.get("url") else "is not set",
                   f"Miner {j + 1}'s base URL (index {j}), as its operator gives it.")
        key = peer.get("public_key") or ""
        key_problem = ed25519_key_problem(key) if key else "is not set"
        if key_problem:
            yield (f"MINER_PEER_{j}_PUBLIC_KEY", key_problem,
                   f"Pin miner {j + 1}'s key (index {j}) with `manage.py add_peer <its URL> "
                   "<its fingerprint>`, or set it here as its `manage.py create_identity` printed it "
                   "and compare the fingerprints by phone (`manage.py show_fingerprints`).")


def _peer_endpoint_problems():
    """Where the peer endpoint is served (with a broker the Celery worker needs its address), and that the
    channel runs over TLS in production, with the files it names readable."""
    production = settings.DEPLOYMENT_ENV != "dev"
    if production and settings.CELERY_TASK_ALWAYS_EAGER:
        yield ("REDIS_URL", "is not set (runs would execute in the web process)",
               "A production miner runs its runs in a Celery worker: set REDIS_URL (the broker) and start "
               "the worker with MINER_PEER_LISTEN; its peer endpoint enforces the channel's message limits.")
    for j, peer in sorted(_peers().items()):
        url = peer.get("channel_url") or ""
        if production and url and not url.startswith("wss://"):
            yield (f"MINER_PEER_{j}_CHANNEL_URL", "is not a wss:// address",
                   "Between miners only over TLS: wss://host/peer/ws.")
    for name in ("MINER_PEER_CA_FILE", "MINER_PEER_TLS_CERT_FILE", "MINER_PEER_TLS_KEY_FILE"):
        path = getattr(settings, name)
        if path and not os.access(path, os.R_OK):
            yield (name, f"names a file this process cannot read ({path})",
                   "Check the path and its permissions.")
    if not settings.CELERY_TASK_ALWAYS_EAGER and not settings.MINER_PEER_LISTEN:
        yield ("MINER_PEER_LISTEN", "is not set",
               "With a broker the miner's Celery worker runs the protocol and serves /peer/ws on this "
               "host:port (e.g. 127.0.0.1:8101); route the miner's wss://<host>/peer/ws to it.")
    if bool(settings.MINER_PEER_TLS_CERT_FILE) != bool(settings.MINER_PEER_TLS_KEY_FILE):
        yield ("MINER_PEER_TLS_CERT_FILE", "is set without MINER_PEER_TLS_KEY_FILE (or the reverse)",
               "Set both (TLS on MINER_PEER_LISTEN) or neither (a reverse proxy terminates TLS).")


def check_miner_own_settings(app_configs=None, **kwargs):
    """A miner refuses to start without its portal, its key and its peers. On a development machine
    (DEPLOYMENT_ENV=dev) the same findings are warnings, so tests and demos can run a partial miner."""
    if settings.DEPLOYMENT_MODE != "miner":
        return []
    dev = settings.DEPLOYMENT_ENV == "dev"
    level, check_id = (checks.Warning, "consortium.W010") if dev else (checks.Error, "consortium.E010")
    return [level(f"{name} {problem}." + (" Allowed on a development machine only." if dev else ""),
                  hint=hint, id=check_id)
            for name, problem, hint in [*_miner_setting_problems(), *_peer_endpoint_problems()]]


def check_metrics_processes(app_configs=None, **kwargs):
    """A miner whose runs execute in its Celery worker counts their durations and the peers' round trips
    there: the web process's /metrics shows them only when both share PROMETHEUS_MULTIPROC_DIR."""
    in_worker = settings.DEPLOYMENT_MODE == "miner" and not settings.CELERY_TASK_ALWAYS_EAGER
    if in_worker and settings.METRICS_TOKEN and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return [checks.Warning(
            "METRICS_TOKEN is set and runs execute in the Celery worker, but PROMETHEUS_MULTIPROC_DIR is "
            "not set: /metrics shows the web process's counts only (no run durations, no peer round trips).",
            hint="Set PROMETHEUS_MULTIPROC_DIR to the same empty directory for the web process and the "
                 "worker (emptied before they start): docs/observability.md.",
            id="consortium.W020")]
    return []
