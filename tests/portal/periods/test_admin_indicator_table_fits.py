"""The period's indicator table in admin fits a 1280 px window (it was cut at the right, its last columns
behind a scroll bar at the bottom of a long table), both editable (a draft) and read-only (open)."""

import datetime as dt
import os

import pytest
from django.urls import reverse

from consortium.portal.periods.actions import do_create_period
from tests.browser import launch, require_chromium
from tests.portal.factories import open_period
from tests.portal.pages.test_e2e_browser import log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def page(live_server, monkeypatch):
    playwright_api, chromium = require_chromium()
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with playwright_api.sync_playwright() as p:
        browser = launch(p, chromium)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        yield context.new_page()
        browser.close()
    assert os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] == "true"


def test_the_indicator_table_is_not_cut_at_the_right(page, live_server, staff_user):
    draft = do_create_period("2027 annual", "annual", dt.date(2027, 1, 1), dt.date(2027, 12, 31))
    opened = open_period("2026 annual", "annual")
    log_in(page, live_server.url, staff_user)
    for period in (draft, opened):
        page.goto(live_server.url + reverse("admin:periods_collectionperiod_change", args=[period.pk]))
        box = page.locator(".inline-group .tabular")
        widths = box.evaluate("el => [el.scrollWidth, el.clientWidth]")
        assert widths[0] <= widths[1], (period.state, widths)
        assert page.locator(".inline-group .tabular tbody tr.has_original").count() == 7
