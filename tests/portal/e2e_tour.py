"""A screenshot tour of every page, as each persona reaches it (not collected by default: not test_*).

    UX_SHOTS=/tmp/ux_shots .venv/bin/python -m pytest -q tests/portal/e2e_tour.py

Logs in through the real forms (TOTP codes computed from the devices' keys), visits each page in
English and in Estonian, at 1280 px and (member pages) 390 px wide, and saves full-page PNGs.
"""

import os
import pathlib

import pytest
from django.urls import reverse

from tests.browser import launch, require_chromium

from .conftest import PASSWORD, totp_code
from .e2e_data import FakeMinerHosts, build

SHOTS = pathlib.Path(os.environ.get("UX_SHOTS", "/tmp/ux_shots"))


@pytest.fixture
def demo(live_server, monkeypatch, settings):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    FakeMinerHosts().install(monkeypatch, settings)
    return build()


def login(page, base, username, user=None):
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    if user is not None and "/login/code/" in page.url:
        page.fill("input[name=token]", totp_code(user))
        page.click("main button[type=submit]")


def set_language(page, code):
    with page.expect_navigation():
        page.select_option("header select[name=language]", code)


@pytest.mark.django_db(transaction=True)
def test_tour(demo, live_server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    playwright_api, chromium = require_chromium()
    with playwright_api.sync_playwright() as p:
        browser = launch(p, chromium)

        def shoot(page, name):
            page.wait_for_load_state("networkidle")
            width, height = page.evaluate("[document.documentElement.scrollWidth, "
                                          "document.body.scrollHeight]")
            step = 1100  # tall pages in parts, so that each part stays readable
            for n, top in enumerate(range(0, height, step)):
                clip = {"x": 0, "y": top, "width": width, "height": min(step, height - top)}
                suffix = f"-p{n + 1}" if height > step else ""
                page.screenshot(path=str(SHOTS / f"{name}{suffix}.png"), full_page=True, clip=clip)

        for lang in ("en", "et"):
            # --- anonymous, the member (desktop, then narrow) --------------------------------
            for width in (1280, 390):
                tag = f"{lang}-{width}"
                ctx = browser.new_context(viewport={"width": width, "height": 900})
                page = ctx.new_page()
                page.goto(base + "/login/")
                if lang == "et":
                    set_language(page, "et")
                shoot(page, f"{tag}-01-login")
                if width == 1280:
                    page.fill("#id_username", "anna")
                    page.fill("#id_password", "wrong")
                    page.click("main button[type=submit]")
                    shoot(page, f"{tag}-02-login-error")
                    page.goto(base + reverse("accounts:how_it_works"))
                    shoot(page, f"{tag}-03-how-it-works-anon")
                login(page, base, "anna")
                if lang == "et":
                    set_language(page, "et")
                shoot(page, f"{tag}-10-rep-home")
                page.goto(base + reverse("submissions:form", args=[demo.open_period.pk]))
                shoot(page, f"{tag}-11-rep-form-start")
                with page.expect_navigation():
                    page.click("main form button[type=submit]")  # "Start a new submission": a POST
                shoot(page, f"{tag}-11-rep-form")
                page.goto(base + reverse("submissions:history"))
                shoot(page, f"{tag}-12-rep-history")
                feedback = page.locator("a[href*='/feedback/']")
                if width == 1280 and feedback.count():
                    feedback.first.click()
                    shoot(page, f"{tag}-13-rep-feedback")
                page.goto(base + reverse("reports:list"))
                shoot(page, f"{tag}-14-rep-reports")
                page.goto(base + reverse("reports:detail", args=[demo.published.pk]))
                box = page.locator("#ind-employees .report-myvalue input")
                box.fill("40")
                box.press("Enter")
                shoot(page, f"{tag}-15-rep-report")
                page.goto(base + reverse("accounts:how_it_works"))
                shoot(page, f"{tag}-16-how-it-works")
                page.goto(base + reverse("accounts:otp_setup"))
                shoot(page, f"{tag}-17-otp-setup")
                page.goto(base + reverse("accounts:password_change"))
                shoot(page, f"{tag}-18-password-change")
                page.goto(base + reverse("submissions:form", args=[demo.published.period.pk]))
                shoot(page, f"{tag}-19-form-closed")
                page.goto(base + "/admin/")
                shoot(page, f"{tag}-20-rep-admin")
                page.goto(base + reverse("runs:list"))
                shoot(page, f"{tag}-21-rep-analyses")
                page.goto(base + reverse("reports:detail", args=[demo.draft.pk]))
                shoot(page, f"{tag}-22-rep-draft-404")
                ctx.close()

            tag = f"{lang}-1280"
            # --- lock-out --------------------------------------------------------------------
            ctx = browser.new_context(viewport={"width": 1280, "height": 900})
            page = ctx.new_page()
            page.goto(base + "/login/")
            if lang == "et":
                set_language(page, "et")
            while page.locator("#id_username").count():
                page.fill("#id_username", f"rep3-{lang}")
                page.fill("#id_password", "wrong")
                page.click("main button[type=submit]")
            shoot(page, f"{tag}-04-locked-out")
            ctx.close()

            # --- staff ---------------------------------------------------------------------
            ctx = browser.new_context(viewport={"width": 1280, "height": 900})
            page = ctx.new_page()
            page.goto(base + "/login/")
            if lang == "et":
                set_language(page, "et")
            page.fill("#id_username", "sofia")
            page.fill("#id_password", PASSWORD)
            page.click("main button[type=submit]")
            shoot(page, f"{tag}-30-otp-verify")
            page.fill("input[name=token]", totp_code(demo.staff))
            page.click("main button[type=submit]")
            shoot(page, f"{tag}-31-staff-home")
            page.goto(base + reverse("runs:list"))
            shoot(page, f"{tag}-32-staff-analyses")
            page.goto(base + reverse("runs:detail", args=[demo.done_run.run_id]))
            shoot(page, f"{tag}-33-run-done")
            page.goto(base + reverse("runs:detail", args=[demo.failed_run.run_id]))
            shoot(page, f"{tag}-34-run-failed")
            page.goto(base + reverse("runs:detail", args=[demo.running_run.run_id]))
            shoot(page, f"{tag}-35-run-running")
            page.goto(base + reverse("runs:start", args=[demo.published.period.pk]))
            shoot(page, f"{tag}-36-run-start")
            page.goto(base + reverse("reports:list"))
            shoot(page, f"{tag}-37-staff-reports")
            page.goto(base + "/admin/")
            shoot(page, f"{tag}-40-admin-index")
            page.goto(base + reverse("admin:periods_collectionperiod_changelist"))
            shoot(page, f"{tag}-41-admin-periods")
            page.goto(base + reverse("admin:periods_collectionperiod_change", args=[demo.open_period.pk]))
            shoot(page, f"{tag}-42-admin-period-change")
            page.goto(base + reverse("admin:periods_collectionperiod_status", args=[demo.open_period.pk]))
            shoot(page, f"{tag}-43-admin-period-status")
            page.goto(base + reverse("admin:accounts_user_changelist"))
            shoot(page, f"{tag}-44-admin-users")
            page.goto(base + reverse("admin:accounts_user_change", args=[demo.rep.pk]))
            shoot(page, f"{tag}-45-admin-user-change")
            ctx.close()

            # --- board -----------------------------------------------------------------------
            ctx = browser.new_context(viewport={"width": 1280, "height": 900})
            page = ctx.new_page()
            page.goto(base + "/login/")
            if lang == "et":
                set_language(page, "et")
            login(page, base, "boris", demo.board)
            shoot(page, f"{tag}-50-board-home")
            page.goto(base + reverse("reports:list"))
            shoot(page, f"{tag}-51-board-reports")
            page.goto(base + reverse("reports:detail", args=[demo.draft.pk]))
            shoot(page, f"{tag}-52-board-draft")
            page.goto(base + reverse("reports:publish", args=[demo.draft.pk]))
            shoot(page, f"{tag}-53-board-publish-confirm")
            page.goto(base + reverse("reports:detail", args=[demo.published.pk]))
            shoot(page, f"{tag}-54-board-published")
            ctx.close()
        browser.close()
