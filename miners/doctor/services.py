"""Checks of the services a miner with a broker runs beside its web process: Redis and the Celery worker.

The worker is seen through the peer listener it serves (MINER_PEER_LISTEN): its solo pool cannot answer a
Celery ping while a run computes, but its listener answers on the worker's event loop all the time."""

import socket

from django.conf import settings

from .result import ok, problem, skipped

TIMEOUT_SECONDS = 3.0


def _embedded() -> bool:
    return settings.CELERY_TASK_ALWAYS_EAGER or not settings.CELERY_BROKER_URL


def broker():
    if _embedded():
        return skipped("Redis", "no broker: runs compute in the web process (the embedded default)")
    import redis

    try:
        redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=TIMEOUT_SECONDS,
                             socket_connect_timeout=TIMEOUT_SECONDS).ping()
    except (redis.RedisError, OSError) as exc:  # the message may hold the URL and its password: not shown
        return problem("Redis", f"the broker does not answer ({type(exc).__name__}): start Redis or correct "
                                "REDIS_URL / CELERY_BROKER_URL")
    return ok("Redis", "the broker answers")


def worker():
    if _embedded():
        return skipped("worker", "no broker: the web process runs the analyses and serves /peer/ws")
    listen = settings.MINER_PEER_LISTEN
    host, _, port = listen.rpartition(":")
    host = host.strip("[]")
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - reading a setting, not binding
        host = "127.0.0.1"
    try:
        with socket.create_connection((host, int(port)), timeout=TIMEOUT_SECONDS):
            pass
    except (OSError, ValueError):
        return problem("worker", f"nothing listens on MINER_PEER_LISTEN ({listen}): start the Celery worker "
                                 "(entrypoint role miner-worker) and read its log")
    return ok("worker", f"the worker serves /peer/ws on {listen}")
