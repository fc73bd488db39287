"""Headless Chromium for the tests: Debian's chromium driven by Playwright (no `playwright install`).

`make test` installs chromium (scripts/ensure-system-packages.sh). Without it a browser test
is skipped on a developer's machine, and fails under CI=true: a missing browser must never
pass silently there.
"""

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Without the background-networking flags Chromium tries to reach Google's hosts at every
# start, and this workplace's closed network refuses each connection.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def require_chromium():
    """The sync Playwright API and the Chromium path, or skip (fail under CI)."""
    try:
        from playwright import sync_api
    except ImportError:
        sync_api = None
    missing = "playwright" if sync_api is None else ("chromium" if CHROMIUM is None else None)
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing} is missing; run `make test`, which installs it", pytrace=False)
        pytest.skip(f"{missing} is missing on this machine")
    return sync_api, CHROMIUM


def launch(playwright, executable):
    return playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
