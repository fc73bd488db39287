"""The language switch: a choice in a select, made on an explicit "Change" button, as a plain form POST to
Django's set_language (with its CSRF token and the page to come back to), so that it works without
JavaScript and an arrow key in the select does not reload the page."""

import re

import pytest
from django.urls import reverse

from tests.browser import require_chromium

from .test_e2e_browser import browser  # noqa: F401 - the shared module fixture


def switch_form(html: str) -> str:
    return re.search(r'<form class="language".*?</form>', html, re.S).group(0)


def test_it_is_a_form_with_a_button_and_no_submit_on_change(client):
    form = switch_form(client.get(reverse("accounts:login") + "?next=/reports/").content.decode())
    assert f'action="{reverse("set_language")}"' in form and 'method="post"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    assert 'name="next" type="hidden" value="/login/?next=/reports/"' in form
    assert re.search(r'<button class="btn secondary" type="submit">Change</button>', form)
    assert "data-submit-on-change" not in form


def test_the_post_turns_the_page_estonian_and_comes_back(csrf_client):
    page = csrf_client.get(reverse("accounts:login"))
    form = switch_form(page.content.decode())
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    response = csrf_client.post(reverse("set_language"), {"csrfmiddlewaretoken": token, "language": "et",
                                                          "next": reverse("accounts:login")})
    assert response.status_code == 302 and response.url == reverse("accounts:login")
    assert '<html lang="et">' in csrf_client.get(response.url).content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("javascript", [False, True])
def test_in_a_browser_only_the_button_changes_the_language(browser, live_server, javascript):  # noqa: F811
    require_chromium()
    context = browser.new_context(java_script_enabled=javascript)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(live_server.url + reverse("accounts:how_it_works"))
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.focus("header select[name=language]")
    page.keyboard.press("ArrowDown")  # a keyboard user moving through the choices
    assert page.eval_on_selector("header select[name=language]", "s => s.value") == "et"
    page.evaluate("1")  # a round trip: a request the key raised has been reported by now
    assert posts == [] and page.locator("html").get_attribute("lang") == "en"
    page.select_option("header select[name=language]", "et")
    with page.expect_navigation():
        page.click("header form.language button[type=submit]")
    assert page.url == live_server.url + reverse("accounts:how_it_works")
    assert page.locator("html").get_attribute("lang") == "et"
    context.close()
