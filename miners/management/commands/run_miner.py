"""`manage.py [--env-file FILE] run_miner --port PORT`: this miner's processes, as the image's `miner-web`
and `miner-worker` roles run them, from one command: the system checks and migrations first, then the web
process and, with a broker (`REDIS_URL`), the Celery worker that computes the runs and serves /peer/ws on
`MINER_PEER_LISTEN`. The web process: without a broker uvicorn (the API, /peer/ws and the runs); with one
gunicorn's threads (the API). The processes get this command's environment (the env file included); it
stops them all when one ends or on SIGTERM/SIGINT, and exits with the status of the one that ended first."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from consortium.env import envint
from miners.peering.consumer import uvicorn_options

STOP_SECONDS = 20


def web_command(host: str, port: int) -> list[str]:
    """uvicorn with the peer endpoint's websocket limits (it serves /peer/ws without a broker)."""
    ws = uvicorn_options()
    return [sys.executable, "-m", "uvicorn", "consortium.asgi:application", "--host", host, "--port",
            str(port), "--proxy-headers", "--no-server-header", "--lifespan", "off",
            "--ws-max-size", str(ws["ws_max_size"]), "--ws-per-message-deflate", "false"]


def wsgi_command(host: str, port: int) -> list[str]:
    """With a broker the worker serves /peer/ws: the API under gunicorn's threads, about half uvicorn's CPU
    per share submission (docs/performance.md, "Share intake"); WEB_CONCURRENCY processes (default 2, as
    the image's miner-web: two measured 20-30 % faster than one on two cores), 32 threads each."""
    workers = envint("WEB_CONCURRENCY", 2, lo=1, hi=64)
    return [sys.executable, "-m", "gunicorn", "consortium.wsgi:application", "--bind", f"{host}:{port}",
            "--workers", str(workers), "--worker-class", "gthread", "--threads", "32"]


def worker_command() -> list[str]:
    # one run at a time (the settings choose the solo pool), in the process that serves /peer/ws
    return [sys.executable, "-m", "celery", "--app", "consortium", "worker", "--loglevel", settings.LOG_LEVEL]


class Command(BaseCommand):
    requires_system_checks = []  # run below, with --deploy in production, as the image's entrypoint does
    help = ("Start this miner: checks, migrations, the web process and, with REDIS_URL, the Celery worker; "
            "stops them together.")

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="the web process's port (default 8000)")
        parser.add_argument("--host", default="127.0.0.1",
                            help="its address (default 127.0.0.1: the reverse proxy is on this host)")

    def handle(self, *args, port, host, **options):
        if settings.DEPLOYMENT_MODE != "miner":
            raise CommandError("DEPLOYMENT_MODE is not miner: give this miner's env file "
                               "(manage.py --env-file FILE run_miner)")
        call_command("check", deploy=settings.DEPLOYMENT_ENV != "dev", fail_level="ERROR")
        call_command("migrate", interactive=False, verbosity=0)
        if settings.CELERY_BROKER_URL:
            try:
                commands = {"web": wsgi_command(host, port), "worker": worker_command()}
            except ImproperlyConfigured as exc:
                raise CommandError(str(exc)) from None
        else:
            commands = {"web": web_command(host, port)}
        processes = {name: subprocess.Popen(command) for name, command in commands.items()}  # noqa: S603
        names = " and ".join(f"{name} (pid {p.pid})" for name, p in processes.items())
        self.stdout.write(f"Miner {settings.MINER_INDEX + 1} (index {settings.MINER_INDEX}) runs: {names}; "
                          f"its API on http://{host}:{port}. Stop it with Ctrl-C or SIGTERM.")
        self.stdout.flush()
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        try:
            while not stopping:
                ended = [(n, p.returncode) for n, p in processes.items() if p.poll() is not None]
                if ended:
                    name, code = ended[0]
                    self.stderr.write(f"run_miner: the {name} process ended (exit status {code}); stopping "
                                      "the others")
                    sys.exit(code or 1)
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop(processes.values())


def stop(processes) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    for process in processes:
        try:
            process.wait(max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
