"""Keyboard use in a real browser: the first Tab reaches "Skip to content", which is shown then and moves
on to the page's content; every focused control has the portal's own ring, white on the dark header."""

import pytest
from django.urls import reverse

from tests.browser import require_chromium

from .test_e2e_browser import browser  # noqa: F401 - the shared module fixture

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def page(browser, live_server):  # noqa: F811
    require_chromium()
    context = browser.new_context(viewport={"width": 390, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(live_server.url + reverse("accounts:how_it_works"))  # the login page focuses its first field
    yield page
    context.close()


def focused(page, script):
    return page.evaluate(f"(() => {{ const e = document.activeElement; return {script}; }})()")


def ring(page) -> list[str]:
    return focused(page, "(s => [s.outlineStyle, s.outlineWidth, s.outlineColor])(getComputedStyle(e))")


def test_the_first_tab_reaches_the_skip_link_and_it_moves_to_the_content(page):
    skip = page.locator("a.skip-link")
    assert skip.bounding_box()["y"] + skip.bounding_box()["height"] <= 0  # out of sight until then
    page.keyboard.press("Tab")
    assert focused(page, "e.className") == "skip-link" and focused(page, "e.textContent") == "Skip to content"
    assert skip.bounding_box()["y"] >= 0
    page.keyboard.press("Enter")
    assert focused(page, "e.id") == "content"
    page.keyboard.press("Tab")
    assert focused(page, "e.closest('main') !== null")  # the next stop is in the content, not the header


def test_a_focused_control_has_a_clear_ring_white_on_the_header_blue_on_the_page(page):
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert focused(page, "e.className") == "brand"
    assert ring(page) == ["solid", "3px", "rgb(255, 255, 255)"]
    page.focus("main a")  # after keyboard use, so that :focus-visible applies
    assert focused(page, "e.matches(':focus-visible')")
    assert ring(page) == ["solid", "3px", "rgb(31, 95, 139)"]
