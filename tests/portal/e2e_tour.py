"""A screenshot tour of every page, as each persona reaches it (not collected by default: not test_*).

    UX_SHOTS=/tmp/ux_shots .venv/bin/python -m pytest -q tests/portal/e2e_tour.py

Logs in through the real forms (TOTP codes computed from the devices' keys), visits each page in
English and in Estonian, at 1280 px and (member pages) 390 px wide, and saves full-page PNGs.
"""

import os
import pathlib

import pytest
from django.urls import reverse

from consortium.portal.reports.actions import do_create_report, do_publish
from consortium.portal.runs.models import AnalysisRun
from tests.browser import launch, require_chromium

from .conftest import PASSWORD, totp_code
from .e2e_data import FakeMinerHosts, build

SHOTS = pathlib.Path(os.environ.get("UX_SHOTS", "/tmp/ux_shots"))


@pytest.fixture
def demo(live_server, monkeypatch, settings):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    FakeMinerHosts().install(monkeypatch, settings)
    settings.CONSORTIUM_CONTACT_EMAIL = "benchmarking@liit.example.ee"
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
    page.select_option("header select[name=language]", code)
    with page.expect_navigation():
        page.click("header form.language button[type=submit]")


def shoot(page, name):
    page.wait_for_load_state("networkidle")
    width, height = page.evaluate("[document.documentElement.scrollWidth, document.body.scrollHeight]")
    step = 1100  # tall pages in parts, so that each part stays readable
    for n, top in enumerate(range(0, height, step)):
        clip = {"x": 0, "y": top, "width": width, "height": min(step, height - top)}
        suffix = f"-p{n + 1}" if height > step else ""
        page.screenshot(path=str(SHOTS / f"{name}{suffix}.png"), full_page=True, clip=clip)


def visit(page, base, tag, pages):
    """Go to each (path, name) in turn and shoot it."""
    for path, name in pages:
        page.goto(base + path)
        shoot(page, f"{tag}-{name}")


def login_page(browser, base, lang, width=1280):
    """A new browser context at `width`, on the login page in `lang`: (context, page)."""
    ctx = browser.new_context(viewport={"width": width, "height": 900})
    page = ctx.new_page()
    page.goto(base + "/login/")
    if lang == "et":
        set_language(page, "et")
    return ctx, page


def member_tour(browser, base, demo, lang, width):
    tag = f"{lang}-{width}"
    ctx, page = login_page(browser, base, lang, width)
    shoot(page, f"{tag}-01-login")
    if width == 1280:
        page.fill("#id_username", "anna")
        page.fill("#id_password", "wrong")
        page.click("main button[type=submit]")
        shoot(page, f"{tag}-02-login-error")
        visit(page, base, tag, [(reverse("accounts:how_it_works"), "03-how-it-works-anon")])
    login(page, base, "anna")
    if lang == "et":
        set_language(page, "et")
    shoot(page, f"{tag}-10-rep-home")
    visit(page, base, tag, [(reverse("submissions:form", args=[demo.open_period.pk]), "11-rep-form-start")])
    with page.expect_navigation():
        page.click("main form button[type=submit]")  # "Start a new submission": a POST
    shoot(page, f"{tag}-11-rep-form")
    visit(page, base, tag, [(reverse("submissions:history"), "12-rep-history")])
    feedback = page.locator("a[href*='/feedback/']")
    if width == 1280 and feedback.count():
        feedback.first.click()
        shoot(page, f"{tag}-13-rep-feedback")
    visit(page, base, tag, [(reverse("reports:list"), "14-rep-reports")])
    page.goto(base + reverse("reports:detail", args=[demo.published.pk]))
    box = page.locator("#ind-employees .report-myvalue input")
    box.fill("40")
    box.press("Enter")
    shoot(page, f"{tag}-15-rep-report")
    visit(page, base, tag, [
        (reverse("accounts:how_it_works"), "16-how-it-works"),
        (reverse("accounts:otp_setup"), "17-otp-setup"),
        (reverse("accounts:password_change"), "18-password-change"),
        (reverse("submissions:form", args=[demo.published.period.pk]), "19-form-closed"),
        ("/admin/", "20-rep-admin"),
        (reverse("runs:list"), "21-rep-analyses"),
        (reverse("reports:detail", args=[demo.draft.pk]), "22-rep-draft-404"),
    ])
    ctx.close()


def lockout_tour(browser, base, lang):
    ctx, page = login_page(browser, base, lang)
    while page.locator("#id_username").count():
        page.fill("#id_username", f"rep3-{lang}")
        page.fill("#id_password", "wrong")
        page.click("main button[type=submit]")
    shoot(page, f"{lang}-1280-04-locked-out")
    ctx.close()


def staff_tour(browser, base, demo, lang):
    tag = f"{lang}-1280"
    ctx, page = login_page(browser, base, lang)
    page.fill("#id_username", "sofia")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    shoot(page, f"{tag}-30-otp-verify")
    page.fill("input[name=token]", totp_code(demo.staff))
    page.click("main button[type=submit]")
    shoot(page, f"{tag}-31-staff-home")
    period = demo.open_period.pk
    visit(page, base, tag, [
        (reverse("runs:list"), "32-staff-analyses"),
        (reverse("runs:detail", args=[demo.done_run.run_id]), "33-run-done"),
        (reverse("runs:detail", args=[demo.failed_run.run_id]), "34-run-failed"),
        (reverse("runs:detail", args=[demo.running_run.run_id]), "35-run-running"),
        (reverse("runs:start", args=[demo.published.period.pk]), "36-run-start"),
        (reverse("reports:list"), "37-staff-reports"),
        ("/admin/", "40-admin-index"),
        (reverse("admin:periods_collectionperiod_changelist"), "41-admin-periods"),
        (reverse("admin:periods_collectionperiod_change", args=[period]), "42-admin-period-change"),
        (reverse("admin:periods_collectionperiod_status", args=[period]), "43-admin-period-status"),
        (reverse("admin:accounts_user_changelist"), "44-admin-users"),
        (reverse("admin:accounts_user_change", args=[demo.rep.pk]), "45-admin-user-change"),
        (reverse("admin:accounts_auditevent_changelist"), "46-admin-audit-log"),
        (reverse("admin:otp_totp_totpdevice_changelist"), "47-admin-authenticator-apps"),
        (reverse("admin:axes_accessattempt_changelist"), "48-admin-access-attempts"),
        (reverse("admin:submissions_feedback_changelist"), "49-admin-feedback"),
    ])
    ctx.close()


def board_tour(browser, base, demo, lang):
    tag = f"{lang}-1280"
    ctx, page = login_page(browser, base, lang)
    login(page, base, "boris", demo.board)
    shoot(page, f"{tag}-50-board-home")
    visit(page, base, tag, [
        (reverse("reports:list"), "51-board-reports"),
        (reverse("reports:detail", args=[demo.draft.pk]), "52-board-draft"),
        (reverse("reports:publish", args=[demo.draft.pk]), "53-board-publish-confirm"),
        (reverse("reports:detail", args=[demo.published.pk]), "54-board-published"),
    ])
    ctx.close()


def superseded_tour(browser, base, demo):
    """The period of the published report analysed again and published: the older report is superseded."""
    first = demo.published
    again = AnalysisRun.objects.create(period=first.period, started_by=demo.staff, state="done",
                                       results=first.run.results, request=first.run.request)
    do_publish(do_create_report(again), demo.board)
    for lang in ("en", "et"):
        for width in (1280, 390):
            ctx, page = login_page(browser, base, lang, width)
            login(page, base, "anna")
            if lang == "et":
                set_language(page, "et")
            visit(page, base, f"{lang}-{width}", [
                (reverse("reports:list"), "60-reports-superseded"),
                (reverse("reports:detail", args=[first.pk]), "61-report-superseded")])
            ctx.close()


@pytest.mark.django_db(transaction=True)
def test_tour(demo, live_server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    playwright_api, chromium = require_chromium()
    with playwright_api.sync_playwright() as p:
        browser = launch(p, chromium)
        for lang in ("en", "et"):
            for width in (1280, 390):
                member_tour(browser, base, demo, lang, width)
            lockout_tour(browser, base, lang)
            staff_tour(browser, base, demo, lang)
            board_tour(browser, base, demo, lang)
        superseded_tour(browser, base, demo)
        browser.close()
