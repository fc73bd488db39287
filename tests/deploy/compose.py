"""Reading a compose file as Docker Compose would, for the tests that run what it describes without
Docker: ${VAR} substitution from an env file, YAML anchors and merge keys, each service's command,
environment and secrets."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}, ${VAR?message}; $$ is a literal $
_VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


class MissingVariable(Exception):
    pass


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def substitute(text: str, values: dict[str, str]) -> str:
    def one(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group(1), match.group(2), match.group(3) or ""
        value = values.get(name)
        unset = value is None or (op and op.startswith(":") and value == "")
        if not unset:
            return value
        if op and op.endswith("?"):
            raise MissingVariable(f"{name} is required ({arg or 'no message'})")
        return arg if op else ""

    return _VARIABLE.sub(one, text)


def variables_used(path: Path) -> set[str]:
    """Every ${VAR} the file refers to."""
    return {m.group(1) for m in _VARIABLE.finditer(path.read_text()) if m.group(1)}


def load(path: Path, values: dict[str, str] | None = None) -> dict:
    """The compose file with `values` substituted (None: the file as written, unsubstituted)."""
    text = path.read_text()
    return yaml.safe_load(text if values is None else substitute(text, values))


def app_services(compose: dict) -> dict[str, dict]:
    """The services built from this project's image (not PostgreSQL, Redis)."""
    return {name: s for name, s in compose["services"].items() if "build" in s}


def service_secrets(compose: dict, service: dict, base: Path) -> dict[str, Path]:
    """The service's secrets: /run/secrets/NAME -> the file compose mounts there."""
    files = {}
    for name in service.get("secrets") or []:
        source = Path(compose["secrets"][name]["file"])
        files[f"/run/secrets/{name}"] = source if source.is_absolute() else (base / source).resolve()
    return files


def image_healthcheck() -> list[str]:
    """The Dockerfile's HEALTHCHECK as a compose `test`: ["CMD", ...]."""
    match = re.search(r"^HEALTHCHECK\s.*?\bCMD\s+(\[.*\])\s*$", (DOCKER / "Dockerfile").read_text(), re.M)
    return ["CMD", *json.loads(match.group(1))]
