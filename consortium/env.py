"""Typed readers for settings from the environment.

Each reader fails loudly (ImproperlyConfigured) on a value it cannot parse, rather than
guessing: a typo in a deployment must stop the process, not change its behaviour.
Error messages name the variable, never its value (it may be a secret).
"""

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured, ValidationError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _raw(name: str) -> str | None:
    """The variable's value, or None when it is unset or empty."""
    value = os.environ.get(name, "").strip()
    return value or None


def envbool(name: str, default: bool) -> bool:
    raw = _raw(name)
    if raw is None:
        return default
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of {sorted(_TRUE | _FALSE)}")


def envint(name: str, default: int | None, *, lo: int | None = None, hi: int | None = None):
    raw = _raw(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer") from None
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ImproperlyConfigured(f"{name} must be between {lo} and {hi}")
    return value


def envstr(name: str, default: str | None) -> str | None:
    raw = _raw(name)
    return default if raw is None else raw


def envemail(name: str, default: str) -> str:
    """An e-mail address (checked as Django's EmailValidator does), or `default`."""
    from django.core.validators import validate_email

    value = envstr(name, default)
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise ImproperlyConfigured(f"{name} must be an e-mail address") from None
    return value


def envchoice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = envstr(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}")
    return value


def envlist(name: str, default: list[str]) -> list[str]:
    """A comma-separated list; blank items are dropped."""
    raw = _raw(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def envsecret(name: str, default: str | None = None) -> str | None:
    """NAME, or the contents of the file named by NAME_FILE (Docker/Kubernetes secrets).

    Setting both is an error: which one wins would be a guess.
    """
    value, path = _raw(name), _raw(f"{name}_FILE")
    if value is not None and path is not None:
        raise ImproperlyConfigured(f"set {name} or {name}_FILE, not both")
    if path is None:
        return default if value is None else value
    try:
        secret = Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ImproperlyConfigured(f"{name}_FILE cannot be read: {exc.strerror}") from None
    if not secret:
        raise ImproperlyConfigured(f"{name}_FILE names an empty file")
    return secret


def parse_database_url(url: str) -> dict:
    """Django DATABASES entry for sqlite:///path or postgres://user:pass@host:port/name?opts.

    As in dj-database-url, sqlite:///rel.db is relative and sqlite:////abs.db absolute.
    """
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        name = parts.path[1:]
        if not name:
            raise ImproperlyConfigured("DATABASE_URL: sqlite URL needs a path")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": name}
    if parts.scheme in ("postgres", "postgresql"):
        name = unquote(parts.path[1:])
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured("DATABASE_URL: the port must be a number") from None
        if not name or not parts.hostname:
            raise ImproperlyConfigured("DATABASE_URL: postgres URL needs a host and a database")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname,
            "PORT": str(port or ""),
            "OPTIONS": dict(parse_qsl(parts.query)),
        }
    # Name the scheme only: the rest of the URL may hold a password.
    raise ImproperlyConfigured(f"DATABASE_URL: unsupported scheme {parts.scheme!r}")
