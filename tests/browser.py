"""Headless Chromium for the tests: Debian's chromium driven by Playwright (no `playwright install`).

`make test` installs chromium (scripts/ensure-system-packages.sh). Without it a browser test
is skipped on a developer's machine, and fails under CI=true: a missing browser must never
pass silently there.
"""

import os
import pathlib
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Without the background-networking flags Chromium tries to reach Google's hosts at every
# start, and this workplace's closed network refuses each connection.
# axe-core, from the npm registry (package.json; `make test` runs npm ci).
AXE_JS = pathlib.Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
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


def require_axe() -> pathlib.Path:
    """The path of axe.min.js, or skip (fail under CI), as for the browser."""
    if not AXE_JS.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail("axe-core is missing; run `make test`, which installs it", pytrace=False)
        pytest.skip("axe-core is missing on this machine (npm ci installs it)")
    return AXE_JS


def launch(playwright, executable):
    return playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
