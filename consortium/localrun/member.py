"""`Member`: what a representative's browser does, over HTTP: log in, open the form, split each figure
into three shares (consortium/contract/figures.py, the browser library's Python twin, held to the same
test vectors), send share i to miner i, and forward the three signed receipts to the portal.
"""

from __future__ import annotations

import html
import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from consortium.contract.figures import share_bodies

TIMEOUT_SECONDS = 30.0
_CONFIG = re.compile(r'<script id="sharing-config" type="application/json">(.*?)</script>', re.S)
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class MemberError(Exception):
    """A step of the member's submission failed; str() says which and why (never a figure)."""


class Member:
    def __init__(self, portal_url: str, username: str, password: str):
        if not portal_url.startswith(("http://", "https://")):
            raise ValueError("the portal's URL is http(s)://")
        self.portal_url, self.username, self.password = portal_url.rstrip("/"), username, password
        self.cookies = http.cookiejar.CookieJar()
        self._http = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def log_in(self) -> None:
        page = self._get("/login/")
        token = _CSRF.search(page)
        if not token:
            raise MemberError("the login page has no form")
        form = {"username": self.username, "password": self.password, "csrfmiddlewaretoken": token[1]}
        landed = self._request("/login/", urllib.parse.urlencode(form).encode(),
                               {"Content-Type": "application/x-www-form-urlencoded",
                                "Referer": self.portal_url + "/login/"})
        if "/login/" in landed[0]:
            raise MemberError(f"{self.username} could not log in")

    def open_form(self, period_id: int) -> dict:
        """The form page's sharing configuration (a fresh token, the miners, the fields)."""
        path = f"/submissions/form/{period_id}/"
        page = self._get(path)
        start = _CSRF.search(page)
        if not _CONFIG.search(page) and start:  # "Start a new submission": the token is issued on POST
            page = self._request(path, urllib.parse.urlencode({"csrfmiddlewaretoken": start[1]}).encode(),
                                 {"Content-Type": "application/x-www-form-urlencoded",
                                  "Referer": self.portal_url + path})[2]
        found = _CONFIG.search(page)
        if not found:
            raise MemberError(f"period {period_id} has no open form for {self.username}")
        return json.loads(html.unescape(found[1]))

    def submit(self, period_id: int, values: dict[str, str | None]) -> dict:
        """Submit the figures (code -> decimal string or None) as the browser does; the portal's answer."""
        config = self.open_form(period_id)
        bodies = share_bodies(config["token"], config["period"], config["form"], config["fields"], values,
                              config["ring_bits"])
        with ThreadPoolExecutor(3) as pool:
            receipts = list(pool.map(_send_share, [m["url"] for m in config["miners"]], bodies))
        # as the form page does: the receipts it got (a failed miner's is missing)
        body = json.dumps({"form": config["form"], "receipts": [r for r in receipts if r]}).encode()
        _url, status, text = self._request(config["receipts_url"], body,
                                           {"Content-Type": "application/json",
                                            "X-CSRFToken": config["csrf_token"],
                                            "Referer": self.portal_url + f"/submissions/form/{period_id}/"})
        answer = json.loads(text)
        answer["receipts"] = [r is not None for r in receipts]
        return answer

    def _get(self, path: str) -> str:
        return self._request(path)[2]

    def _request(self, path: str, data: bytes | None = None, headers: dict | None = None):
        request = urllib.request.Request(self.portal_url + path, data=data,  # noqa: S310 - http(s) only
                                         headers=headers or {})
        try:
            with self._http.open(request, timeout=TIMEOUT_SECONDS) as response:
                return response.url, response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.url, exc.code, exc.read().decode(errors="replace")


def _send_share(miner_url: str, body: dict) -> dict | None:
    """POST one miner's shares; its signed receipt, or None when it refused or did not answer (as the
    browser library reports a failed miner), retried once with the same body."""
    data = json.dumps(body).encode()
    for _attempt in range(2):
        request = urllib.request.Request(miner_url.rstrip("/") + "/api/shares", data=data,  # noqa: S310
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                return json.loads(response.read())
        except urllib.error.HTTPError:
            return None  # refused: a retry gets the same answer
        except OSError:
            continue
    return None
