"""In a real browser (headless Chromium): typing a value in "where would my value stand?" shows its
rank and makes no request at all. Needs Chromium (see tests/browser.py)."""

import pytest
from django.conf import settings
from django.urls import reverse

from tests.browser import launch, require_chromium
from tests.portal.reports.test_pages import EMPLOYEES, make_report


@pytest.fixture
def member_page(live_server, client_for, rep_a, board_user, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the sync Playwright API runs an event loop
    report = make_report("2025 H2", publish_by=board_user)
    session = client_for(rep_a).cookies[settings.SESSION_COOKIE_NAME].value
    playwright_api, chromium = require_chromium()
    with playwright_api.sync_playwright() as p:
        browser = launch(p, chromium)
        context = browser.new_context()
        cookie = {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}
        context.add_cookies([cookie])
        page = context.new_page()
        page.goto(live_server.url + reverse("reports:detail", args=[report.pk]))
        yield page
        browser.close()


def test_my_value_is_ranked_in_the_browser_and_never_sent(member_page):
    requests = []
    member_page.on("request", lambda r: requests.append(r.url))
    box = member_page.locator("#ind-employees .report-myvalue")
    box.locator("input").fill("20")
    box.locator("input").press("Enter")  # in a form, Enter would submit it
    output = box.locator("output")
    require_chromium()[0].expect(output).to_contain_text("companies reported less")
    member_page.evaluate("1")  # a round trip: request events the page raised before it have arrived
    text = output.inner_text()
    below = sum(v < 20 for v in EMPLOYEES)
    assert f"{below} of {len(EMPLOYEES)} companies reported less" in text
    # the browser may fetch the page's icon at any time after loading: a static file, no data
    assert [url for url in requests if not url.endswith("/static/img/favicon.svg")] == []
