"""What the real-browser system tests share: headless Chromium (tests/browser.py) against an embedded
`Cluster`, the portal's pages as people use them, the screenshots, and what the miners stored."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from pathlib import Path

from consortium.localrun.processes import Cluster

PASSWORD = "browser-tests-password-2026"  # noqa: S105 - throwaway accounts of a throwaway portal
NO_SECOND_FACTOR = {"REQUIRE_2FA_FOR_STAFF": "false", "REQUIRE_2FA_FOR_BOARD": "false"}  # as make serve
WAIT_MS = 30_000  # one step in the browser; a miner's request has 20 s (sharing.js TIMEOUT_MS)


def screenshot_dir() -> Path:
    path = Path(os.environ.get("SCREENSHOT_DIR") or "tmp") / "browser"
    path.mkdir(parents=True, exist_ok=True)
    return path


def shoot(page, name: str, *, full_page: bool = True) -> Path:
    path = screenshot_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def log_in(page, cluster: Cluster, username: str) -> None:
    page.goto(cluster.portal.url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "/login/" not in page.url, f"{username} could not log in"


def start_form(page, cluster: Cluster, period_id: int) -> dict:
    """Open the period's form and press "Start a new submission"; the page's sharing configuration."""
    page.goto(f"{cluster.portal.url}/submissions/form/{period_id}/")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    return json.loads(page.locator("#sharing-config").text_content())


def fill(page, figures: dict[str, str]) -> None:
    for code, typed in figures.items():
        page.fill(f"#value-{code}", typed)


class Recorder:
    """Every request the page makes: method, URL and body (page.on("request"))."""

    def __init__(self, page):
        self.requests: list[tuple[str, str, str]] = []
        page.on("request", lambda r: self.requests.append((r.method, r.url, r.post_data or "")))

    def to(self, *origins: str) -> list[tuple[str, str, str]]:
        return [r for r in self.requests if r[1].startswith(origins)]


def plaintext_forms(typed: str, scale: int) -> set[str]:
    """A figure as typed, normalised, and as the integer the sharing library encodes."""
    normal = re.sub(r"[\s\u00a0']", "", typed).replace(",", ".")
    whole, _dot, frac = normal.lstrip("-").partition(".")
    encoded = str(int(whole + frac.ljust(scale, "0")))
    return {typed, normal, ("-" if normal.startswith("-") else "") + encoded}


def occurs(needle: str, text: str) -> bool:
    """`needle` as a whole token of `text` (not inside a longer number, token or share)."""
    return re.search(rf"(?<![\w.\-]){re.escape(needle)}(?![\w.\-])", text) is not None


def miner_shares(cluster: Cluster, miner: int, form: str) -> dict[str, tuple[int, int]]:
    """What miner `miner` stored for the form: code -> (value share, flag share), from its SQLite file."""
    path = cluster.directory / f"{cluster.miners[miner].name}.sqlite3"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT s.code, s.value, s.flag FROM miner_store_share s "
            "JOIN miner_store_submission m ON m.id = s.submission_id WHERE m.form = ?",
            (form.replace("-", ""),)).fetchall()
    return {code: (int.from_bytes(value, "little"), int.from_bytes(flag, "little"))
            for code, value, flag in rows}


def portal_submission_states(cluster: Cluster, form: str) -> list[str]:
    path = cluster.directory / "portal.sqlite3"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return [row[0] for row in db.execute(
            "SELECT s.state FROM submissions_submission s "
            "JOIN submissions_accesstoken t ON t.id = s.token_id WHERE t.form_id = ?",
            (form.replace("-", ""),))]
