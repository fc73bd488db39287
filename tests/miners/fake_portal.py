"""A tiny real portal on 127.0.0.1 for the miner's tests: it answers the token check (docs/api.md
section 1) as the real one does and records the progress and outputs pushed to it (section 4).

    portal = FakePortal(secrets); token, form, sid = portal.issue(period=7, ring=32, fields=[...])
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from consortium.contract import credentials
from consortium.contract.tokens import new_token

_RUN_PUSH = re.compile(r"/api/miner/runs/([0-9a-f-]{36})/(progress|outputs)")


class FakePortal:
    def __init__(self, miner_secrets: list[str]):
        self.secrets = miner_secrets
        self.tokens: dict[str, dict] = {}
        self.verifies: list[tuple[int, str]] = []  # (miner, token) of every token check
        self.verify_requests: list[int] = []  # how many checks each verify request carried
        self.pushes: list[tuple[int, str, str, dict]] = []  # (miner, run id, "progress" | "outputs", body)
        self.delay = 0.0  # seconds before each answer (a slow portal)
        self.key_fingerprints: dict[int, str | None] = {}  # hello's key_fingerprint, when set for a miner
        self.pending_fingerprints: dict[int, str] = {}  # hello's pending_fingerprint, when set
        self.batch_answer = None  # f(results) -> the batch answer's "results" (out of contract)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakePortal:
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def issue(self, period: int, ring: int, fields: list[str]) -> tuple[str, str, str]:
        """A fresh token: (token, form id, submission id)."""
        token, form, sid = new_token(), str(uuid.uuid4()), str(uuid.uuid4())
        self.tokens[token] = {"period": period, "form": form, "submission_id": sid, "ring": ring,
                              "fields": list(fields), "used": set()}
        return token, form, sid

    def outputs_of(self, run_id: str) -> dict[int, dict]:
        return {m: body for m, r, kind, body in self.pushes if r == run_id and kind == "outputs"}

    def progress_of(self, run_id: str, miner: int) -> list[dict]:
        return [body for m, r, kind, body in self.pushes if r == run_id and kind == "progress" and m == miner]

    # --- the portal's side -----------------------------------------------------------------

    def _miner(self, header: str) -> int | None:
        try:
            index, secret = credentials.parse_miner(header)
        except credentials.BadCredentials:
            return None
        return index if credentials.secret_matches(secret, self.secrets[index]) else None

    def verify(self, miner: int, body: dict) -> dict:
        with self._lock:
            self.verifies.append((miner, body.get("token")))
            entry = self.tokens.get(body.get("token"))
            if entry is None:
                return {"valid": False, "reason": "unknown"}
            if entry["period"] != body.get("period"):
                return {"valid": False, "reason": "wrong_period"}
            if entry["form"] != body.get("form"):
                return {"valid": False, "reason": "wrong_form"}
            if miner in entry["used"]:
                return {"valid": False, "reason": "used"}
            entry["used"].add(miner)
            return {"valid": True, "submission_id": entry["submission_id"], "period": entry["period"],
                    "ring": entry["ring"], "fields": entry["fields"]}

    def _handler(self):
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, code: int, body: dict) -> None:
                raw = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self):  # noqa: N802 - http.server's name
                if self.path == "/api/miner/hello":  # the doctor's question: are my credentials accepted?
                    miner = portal._miner(self.headers.get("Authorization", ""))
                    if miner is None:
                        return self._answer(401, {"detail": "no valid miner credentials"})
                    hello = {"miner": miner}
                    if miner in portal.key_fingerprints:
                        hello["key_fingerprint"] = portal.key_fingerprints[miner]
                        hello["pending_fingerprint"] = portal.pending_fingerprints.get(miner)
                    return self._answer(200, hello)
                self._answer(200 if self.path == "/healthz" else 404, {"status": "ok"})

            def do_POST(self):  # noqa: N802 - http.server's name
                time.sleep(portal.delay)
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                miner = portal._miner(self.headers.get("Authorization", ""))
                if miner is None:
                    return self._answer(401, {"detail": "no valid miner credentials"})
                if self.path == "/api/miner/tokens/verify":
                    if "tokens" in body:  # the batch form: one answer per check, in order
                        portal.verify_requests.append(len(body["tokens"]))
                        results = [portal.verify(miner, c) for c in body["tokens"]]
                        if portal.batch_answer is not None:
                            results = portal.batch_answer(results)
                        return self._answer(200, {"results": results})
                    portal.verify_requests.append(1)
                    return self._answer(200, portal.verify(miner, body))
                match = _RUN_PUSH.fullmatch(self.path)
                if match:
                    with portal._lock:
                        portal.pushes.append((miner, match[1], match[2], body))
                    code = 202 if match[2] == "outputs" else 200
                    return self._answer(code, {"state": "running", "error": ""})
                return self._answer(404, {"detail": "not found"})

        return Handler


def new_secrets() -> list[str]:
    return [secrets.token_urlsafe(32) for _ in range(3)]


def closed_port_url() -> str:
    """The URL of a port on 127.0.0.1 where nothing listens (a portal that is down)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"
