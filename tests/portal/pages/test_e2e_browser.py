"""End to end in a real browser (headless Chromium, see tests/browser.py) against a live portal with the
demo data of e2e_data.py: each persona logs in through the real form (and its TOTP step), and sees
what its role allows, in the language it chose. One browser for the module; a fresh context per test."""

import os

import pytest
from django.urls import reverse
from django.utils import translation

from tests.browser import launch, require_chromium
from tests.portal.conftest import PASSWORD, totp_code
from tests.portal.e2e_data import EMPLOYEES, FakeMinerHosts, build

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def browser():
    playwright_api, chromium = require_chromium()
    # The sync Playwright API runs an event loop in this thread; Django's ORM calls made by the test
    # itself (the demo data) are still synchronous and safe.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with playwright_api.sync_playwright() as p:
        browser = launch(p, chromium)
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE")


@pytest.fixture
def demo(live_server, monkeypatch, settings):
    FakeMinerHosts().install(monkeypatch, settings)
    return build()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def log_in(page, base, user):
    """Through the real form; then the authenticator step when the user has a device."""
    page.goto(base + reverse("accounts:login"))
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    if reverse("accounts:otp_verify") in page.url:
        page.fill("input[name=token]", totp_code(user))
        page.click("main button[type=submit]")
        page.wait_for_load_state()


def csp_violations(page) -> list[str]:
    """The console messages (filled in as the page runs) in which Chromium reports a blocked resource."""
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    return violations


def nav(page) -> list[str]:
    return [t.strip() for t in page.locator("header.site nav a").all_inner_texts()]


@pytest.mark.parametrize("persona, expected", [
    ("rep", ["Home", "Reports"]),
    ("staff", ["Home", "Reports", "Analyses", "Administration"]),
    ("board", ["Home", "Reports"]),
])
def test_each_persona_logs_in_through_the_form_and_reaches_its_home(demo, page, live_server, persona,
                                                                    expected):
    user = getattr(demo, persona)
    log_in(page, live_server.url, user)
    assert page.url == live_server.url + reverse("overview:home")
    assert nav(page) == expected
    assert page.locator("h1").inner_text() == f"Welcome, {user.get_full_name()}"
    if persona == "rep":
        assert page.locator(f"[data-period='{demo.open_period.pk}'] .badge").inner_text() == "Submitted"
    if persona == "board":
        drafts = page.locator(f"a[href='{reverse('reports:list')}']", has_text="Review draft reports")
        assert drafts.is_visible()


def test_a_wrong_password_keeps_the_visitor_on_the_login_form(demo, page, live_server):
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("#id_username", demo.rep.username)
    page.fill("#id_password", "not-the-password")
    page.click("main button[type=submit]")
    assert page.locator(".messages li.error").is_visible()
    assert page.locator("header.site nav a").count() == 0


def test_a_representative_cannot_open_the_admin_nor_a_draft_report(demo, page, live_server):
    base = live_server.url
    log_in(page, base, demo.rep)
    admin = page.goto(base + "/admin/")
    assert admin.status == 403
    assert page.locator("h1").inner_text() == "This page is not available to you"
    assert page.locator("#site-name").count() == 0  # no admin chrome at all
    draft = page.goto(base + reverse("reports:detail", args=[demo.draft.pk]))
    assert draft.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    assert page.locator(".report-indicator").count() == 0
    page.goto(base + reverse("reports:list"))
    listed = page.locator("main tbody tr").all_inner_texts()
    assert [row.split()[0:2] for row in listed] == [demo.published.period.name.split()]


def test_the_report_chart_is_visible_and_my_value_is_ranked_without_any_request(demo, page, live_server):
    log_in(page, live_server.url, demo.rep)
    page.goto(live_server.url + reverse("reports:detail", args=[demo.published.pk]))
    section = page.locator("#ind-employees")
    chart = section.locator(".report-chart svg.chart-wide")  # at 1280 px; the narrow one is hidden
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box["width"] > 300 and box["height"] > 40
    assert not section.locator(".report-chart svg.chart-narrow").is_visible()
    assert chart.locator("circle").count() == len(EMPLOYEES)

    requests = []
    page.on("request", lambda r: requests.append(r.url))
    field = section.locator(".report-myvalue input")
    field.fill("40")
    field.press("Enter")  # in a form, Enter would submit it
    output = section.locator(".report-myvalue output")
    require_chromium()[0].expect(output).to_contain_text("companies reported less")
    page.evaluate("1")  # a round trip: any request the page raised before it has been reported
    below = sum(v < 40 for v in EMPLOYEES)
    assert f"{below} of {len(EMPLOYEES)} companies reported less" in output.inner_text()
    # the browser may fetch the page's icon at any time after loading: a static file, no data
    assert [url for url in requests if not url.endswith("/static/img/favicon.svg")] == []
    assert page.url.endswith(reverse("reports:detail", args=[demo.published.pk]))


def test_the_language_switch_turns_the_pages_estonian_and_it_stays(demo, page, live_server):
    with translation.override("et"):
        reports, welcome = translation.gettext("Reports"), translation.gettext("Home")
    assert reports != "Reports"  # the catalogue is compiled: otherwise this test could not fail
    violations = csp_violations(page)
    log_in(page, live_server.url, demo.rep)
    page.select_option("header select[name=language]", "et")
    with page.expect_navigation():
        page.click("header form.language button[type=submit]")
    assert page.locator("html").get_attribute("lang") == "et"
    assert nav(page) == [welcome, reports]
    page.locator("header.site nav a", has_text=reports).click()
    page.wait_for_load_state()
    assert page.url == live_server.url + reverse("reports:list")
    assert page.locator("html").get_attribute("lang") == "et"
    assert page.locator("h1").inner_text() == reports
    page.goto(live_server.url + reverse("accounts:how_it_works"))
    assert page.locator("html").get_attribute("lang") == "et"
    assert "data-flow.et.svg" in page.locator(".explain-figure img").get_attribute("src")
    assert violations == []


def test_staff_follow_a_run_with_each_miners_state(demo, page, live_server):
    violations = csp_violations(page)  # the progress socket is in connect-src
    log_in(page, live_server.url, demo.staff)
    page.locator("header.site nav a", has_text="Analyses").click()
    page.wait_for_load_state()
    page.locator("tr", has_text="running").get_by_role("link").click()
    page.wait_for_load_state()
    assert page.url.endswith(reverse("runs:detail", args=[demo.running_run.run_id]))
    assert page.locator("#run-state .badge").inner_text() == "running"
    progress = page.locator("#run-progress")
    assert progress.is_visible() and float(progress.get_attribute("value")) == pytest.approx(0.6)
    rows = page.locator("tr[data-miner]")
    assert rows.count() == 3
    for i in range(3):
        row = page.locator(f"tr[data-miner='{i}']")
        assert row.locator("td").first.inner_text() == f"Miner {i + 1}"  # people count from 1
        assert row.locator(".miner-state .badge").inner_text() == "running"
        assert row.locator(".miner-step").inner_text() == "sorting"
        assert row.locator(".miner-progress").inner_text() == "60 %"

    page.goto(live_server.url + reverse("runs:detail", args=[demo.failed_run.run_id]))
    assert page.locator("[role=alert] h2").inner_text() == "The analysis failed"
    assert page.locator("#run-error").inner_text() == "Miner 3 did not accept the run (connection refused)"
    assert page.locator("tr[data-miner='2'] td").first.inner_text() == "Miner 3"
    assert page.locator("tr[data-miner='2'] .miner-state .badge").inner_text() == "failed"
    assert violations == []
