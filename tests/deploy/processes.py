"""The app services of a compose file as local processes: each started through docker/entrypoint.sh with
its command and the environment Compose would give it, the containers' host names, ports and mounted
files mapped to 127.0.0.1 ports and local paths; its Docker health check run as Docker would run it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

from .compose import DOCKER, ROOT, image_healthcheck, service_secrets


class Host:
    def __init__(self, compose: dict, base: Path, directory: Path, replacements: dict[str, str]):
        self.compose, self.base, self.directory = compose, base, directory
        self.replacements = replacements  # "container-host:port" (or a path) -> its local stand-in
        self.processes: dict[str, subprocess.Popen] = {}
        self.ports: dict[str, int] = {}  # service -> the local port standing in for its PORT

    def mounts(self, service: dict) -> dict[str, str]:
        """Container path -> local path: the service's secrets and bind-mounted directories."""
        found = {k: str(v) for k, v in service_secrets(self.compose, service, self.base).items()}
        for volume in service.get("volumes") or []:
            source, _, rest = volume.partition(":")
            if source.startswith((".", "/")):
                path = Path(source)
                found[rest.split(":")[0]] = str(path if path.is_absolute() else (self.base / path).resolve())
        return found

    def env(self, name: str) -> dict[str, str]:
        service = self.compose["services"][name]
        env = {"PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "HOME": str(self.directory),
               "LANG": "C.UTF-8", "HOSTNAME": socket.gethostname(), "PYTHONUNBUFFERED": "1"}
        replacements = {**self.mounts(service), **self.replacements}
        for key, value in (service.get("environment") or {}).items():
            value = str(value)
            for container, local in replacements.items():
                value = value.replace(container, local)
            env[key] = value
        if name in self.ports:
            env["PORT"] = str(self.ports[name])  # what Docker's port mapping does for a web role
            env["BIND_HOST"] = "127.0.0.1"  # a container listens on every interface; a test on loopback
        return env

    def start(self, name: str) -> None:
        log = open(self.directory / f"{name}.log", "ab")  # noqa: SIM115 - the process keeps it
        command = ["sh", str(DOCKER / "entrypoint.sh"), *self.compose["services"][name]["command"]]
        self.processes[name] = subprocess.Popen(command, cwd=ROOT, env=self.env(name), stdout=log,  # noqa: S603
                                                stderr=subprocess.STDOUT, start_new_session=True)

    def healthcheck(self, name: str) -> list[str]:
        """The service's Docker health check as a local command: the compose file's, else the image's."""
        test = (self.compose["services"][name].get("healthcheck") or {}).get("test") or image_healthcheck()
        if test[0] == "CMD-SHELL":
            return ["sh", "-c", test[1]]
        assert test[:2] == ["CMD", "healthcheck"], test
        return [sys.executable, str(DOCKER / "healthcheck.py"), *test[2:]]

    def healthy(self, name: str) -> bool:
        return subprocess.run(self.healthcheck(name), cwd=ROOT, env=self.env(name),  # noqa: S603
                              capture_output=True, timeout=30, check=False).returncode == 0

    def wait_healthy(self, names: list[str], deadline: float) -> None:
        waiting = list(names)
        while waiting:
            waiting = [name for name in waiting if not self.healthy(name)]
            for name in waiting:
                if self.processes[name].poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"{name} is not healthy; its log:\n{self.log(name)}")
            if waiting:
                time.sleep(0.3)

    def log(self, name: str) -> str:
        path = self.directory / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else "(no log)"

    def stop(self) -> None:
        for process in self.processes.values():
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
