#!/usr/bin/env python3
"""The container's health probe (no Django: it must stay cheap and answer in seconds).

  healthcheck [web]  the web role answers GET /healthz with 200 on 127.0.0.1:$PORT (https when
                     WEB_TLS_CERT_FILE is set), sent with the first of ALLOWED_HOSTS as its Host
  healthcheck peer   the miner worker's /peer/ws listener (MINER_PEER_LISTEN) answers HTTP: it runs on the
                     peer node's own event loop, so it answers while a run computes, when the solo pool
                     would not answer a Celery ping

Exit status 0 when healthy, 1 otherwise (Docker's HEALTHCHECK contract). Only loopback is probed, and
the certificate is not checked: the probe sends no secret and tests liveness, not identity.
"""

import http.client
import os
import ssl
import sys


def _tls():
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def status(port: int, path: str, host_header: str, tls: bool) -> int:
    cls = http.client.HTTPSConnection if tls else http.client.HTTPConnection
    kwargs = {"context": _tls()} if tls else {}
    conn = cls("127.0.0.1", port, timeout=3, **kwargs)
    try:
        conn.request("GET", path, headers={"Host": host_header})
        return conn.getresponse().status
    finally:
        conn.close()


def web() -> bool:
    host = (os.environ.get("ALLOWED_HOSTS", "") or "localhost").split(",")[0].strip() or "localhost"
    port = int(os.environ.get("PORT") or 8000)
    return status(port, "/healthz", host, bool(os.environ.get("WEB_TLS_CERT_FILE"))) == 200


def peer() -> bool:
    listen = os.environ.get("MINER_PEER_LISTEN", "")
    port = int(listen.rpartition(":")[2])
    # A plain GET is no websocket handshake: any HTTP answer shows the listener serves.
    return status(port, "/peer/ws", "localhost", bool(os.environ.get("MINER_PEER_TLS_CERT_FILE"))) > 0


def main(argv: list[str]) -> int:
    probe = {"web": web, "peer": peer}.get(argv[0] if argv else "web")
    if probe is None:
        print("usage: healthcheck [web|peer]", file=sys.stderr)
        return 2
    try:
        return 0 if probe() else 1
    except (OSError, ValueError, http.client.HTTPException) as exc:
        print(f"unhealthy: {type(exc).__name__}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
