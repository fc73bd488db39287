"""Checks of this machine: configuration, database, disk space, the peer listener's TLS certificate."""

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core import checks
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

from .result import ok, problem, skipped, warning

FREE_BYTES_MIN = 1 << 30  # warn below 1 GiB free ...
FREE_FRACTION_MIN = 0.05  # ... or 5 % of the disk
CERTIFICATE_WARN_DAYS = 21
CERT = "TLS certificate"


def _ids(messages) -> str:
    """The ids of `messages`, at most five, in order: what `manage.py check` explains."""
    ids = list(dict.fromkeys(m.id or "(no id)" for m in messages))
    return ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")


def configuration():
    """Django's system checks as the entrypoint runs them (`check --deploy`; not on a development machine),
    failing ids named."""
    deploy = not (settings.DEBUG or getattr(settings, "IS_DEV", False))
    found = [m for m in checks.run_checks(include_deployment_checks=deploy) if not m.is_silenced()]
    errors = [m for m in found if m.level >= checks.ERROR]
    warnings = [m for m in found if checks.WARNING <= m.level < checks.ERROR]
    if errors:
        first = errors[0]
        more = f" (failing: {_ids(errors)})" if len(errors) > 1 else ""
        return problem("configuration", f"{first.id}: {first.msg.rstrip('.')}{more}: fix it (manage.py check "
                                        "--deploy explains each)")
    if warnings:
        example = warnings[0].msg.rstrip(".")
        return warning("configuration", f"{len(warnings)} warning(s) ({_ids(warnings)}), e.g. {example}: "
                                        "manage.py check --deploy explains each")
    return ok("configuration", "the system checks pass")


def database():
    vendor = connection.vendor
    try:
        connection.ensure_connection()
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return problem("database", f"the {vendor} database does not answer ({type(exc).__name__}): start it "
                                   "or correct DATABASE_URL")
    if pending:
        return problem("database", f"{len(pending)} migration(s) not applied: run manage.py migrate")
    return ok("database", f"{vendor}, every migration applied")


def disk():
    if connection.vendor != "sqlite":
        return skipped("disk space", "the database is on a PostgreSQL server: watch its disk on that host")
    where = Path(settings.DATABASES["default"]["NAME"]).resolve().parent
    usage = shutil.disk_usage(where)
    free_gib = usage.free / (1 << 30)
    if usage.free < FREE_BYTES_MIN or usage.free < FREE_FRACTION_MIN * usage.total:
        return warning("disk space", f"only {free_gib:.1f} GiB free where the database lives ({where}): "
                                     "free some space or move the database")
    return ok("disk space", f"{free_gib:.1f} GiB free where the database lives")


def certificate(now=None):
    path = settings.MINER_PEER_TLS_CERT_FILE
    if not path:
        return skipped(CERT, "MINER_PEER_TLS_CERT_FILE is not set (TLS ends at the reverse proxy: "
                                          "watch its certificate there)")
    from cryptography import x509

    try:
        certificate = x509.load_pem_x509_certificate(Path(path).read_bytes())
    except (OSError, ValueError):
        return problem(CERT, "MINER_PEER_TLS_CERT_FILE cannot be read as a PEM certificate: "
                                          "point it at the peer listener's certificate")
    now = now or datetime.now(UTC)
    ends = certificate.not_valid_after_utc
    if ends <= now:
        return problem(CERT, f"the peer listener's certificate expired on {ends:%Y-%m-%d}: renew it "
                                          "and restart the worker")
    if ends - now < timedelta(days=CERTIFICATE_WARN_DAYS):
        return warning(CERT, f"the peer listener's certificate expires on {ends:%Y-%m-%d}: renew it "
                                          "soon and restart the worker")
    return ok(CERT, f"valid until {ends:%Y-%m-%d}")
