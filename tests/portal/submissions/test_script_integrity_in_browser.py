"""In a real browser (headless Chromium, tests/browser.py): the form page's scripts run under their
Subresource Integrity values, and a value that does not match the served bytes stops the library, as it
would stop a library changed on the server behind the reviewers' backs."""

import os

import pytest

from consortium.portal import static_digests
from tests.browser import launch, require_chromium
from tests.portal.factories import miners_setting, open_period

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def page(live_server, settings):
    playwright_api, chromium = require_chromium()
    settings.MINERS = miners_setting()
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # the sync Playwright API runs an event loop here
    with playwright_api.sync_playwright() as p:
        browser = launch(p, chromium)
        context = browser.new_context()
        context.set_default_timeout(10_000)
        yield context.new_page()
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE")


def open_form(page, live_server, client_for, rep_a) -> list[str]:
    """Log the member in (the session of a test client), start the form; the console's messages."""
    session = client_for(rep_a).cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    console = []
    page.on("console", lambda m: console.append(m.text))
    page.goto(f"{live_server.url}/submissions/form/{open_period().pk}/")
    with page.expect_navigation():
        page.click("main form button[type=submit]")  # "Start a new submission"
    page.wait_for_load_state("load")
    return console


def test_the_scripts_run_under_their_integrity_values(page, live_server, client_for, rep_a):
    console = open_form(page, live_server, client_for, rep_a)
    assert page.evaluate("typeof window.ConsortiumSharing") == "object"
    assert page.locator("script[integrity^='sha384-']").count() == 2
    assert not [m for m in console if "integrity" in m.lower()]


def test_a_library_that_does_not_match_its_integrity_value_is_not_run(page, live_server, client_for, rep_a,
                                                                       monkeypatch):
    real = static_digests.digests

    def tampered(name):
        found = real(name)
        if name == "js/sharing.js":
            return static_digests.Digests(sha256=found.sha256, sri="sha384-" + "A" * 64)
        return found

    monkeypatch.setattr(static_digests, "digests", tampered)
    console = open_form(page, live_server, client_for, rep_a)
    assert page.evaluate("typeof window.ConsortiumSharing") == "undefined"
    assert any("integrity" in m.lower() for m in console), console
