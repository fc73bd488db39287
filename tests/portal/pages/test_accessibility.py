"""Accessibility in a real browser: axe-core (from npm, package.json) on each page state a persona
reaches, in English and Estonian, 1280 and 390 px wide. A violation of impact serious or critical fails
the test, with its rule id and the elements it found. One browser for the module (test_e2e_browser's),
one context per persona, the page states visited in turn."""

import pytest
from django.urls import reverse

from tests.browser import require_axe
from tests.portal.e2e_data import FakeMinerHosts, build

from .test_e2e_browser import browser, log_in  # noqa: F401 - `browser` is the shared module fixture

pytestmark = pytest.mark.django_db(transaction=True)

LANGUAGES = ("en", "et")
WIDTHS = (1280, 390)
BLOCKING = ("serious", "critical")

# The rules' own results, reduced to what a failure message needs: (rule id, impact, targets).
RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(v => [v.id, v.impact, v.nodes.map(n => n.target.join(" "))]);
}"""


@pytest.fixture
def demo(live_server, monkeypatch, settings):
    FakeMinerHosts().install(monkeypatch, settings)
    return build()


def audit(page, axe) -> list[str]:
    """The serious and critical violations axe-core finds on the page as it is now."""
    page.add_script_tag(path=str(axe))  # inline: hence the context's bypass_csp
    return [f"{rule} ({impact}): {', '.join(targets)}" for rule, impact, targets in page.evaluate(RUN_AXE)
            if impact in BLOCKING]


def switch_language(page, code):
    page.select_option("header select[name=language]", code)
    with page.expect_navigation():
        page.click("header form.language button[type=submit]")


def start_form(path):
    """The form page as a member fills it: after "Start a new submission" (a POST)."""
    def reach(page, base):
        page.goto(base + path)
        if not page.locator("form#figures").count():  # else this session's form is still valid
            with page.expect_navigation():
                page.click("main form button[type=submit]")
    return reach


def form_with_errors(path):
    """The form after the member left a field with "50,5" employees and submitted an empty required one:
    the field errors and the status message as the page shows them."""
    reach_form = start_form(path)

    def reach(page, base):
        reach_form(page, base)
        page.fill("#value-employees", "50,5")
        page.locator("#value-employees").blur()
        page.locator("form#figures button[type=submit]").click()
        page.wait_for_selector("[aria-invalid=true]")
    return reach


def feedback(page, base):
    """The questionnaire of Anna's complete submission, through its link in her history."""
    page.goto(base + reverse("submissions:history"))
    page.goto(base + page.locator("a[href*='/feedback/']").first.get_attribute("href"))


def states(persona, demo) -> list[tuple[str, object]]:
    """(name, path) of each page state the persona is audited on; instead of a path, a function
    `reach(page, base)` where a GET is not enough."""
    if persona == "anonymous":
        return [("login", reverse("accounts:login")), ("explanation", reverse("accounts:how_it_works"))]
    common = [("home", reverse("overview:home")), ("reports list", reverse("reports:list"))]
    if persona == "rep":
        form = reverse("submissions:form", args=[demo.open_period.pk])
        return [*common, ("form", start_form(form)), ("form with errors", form_with_errors(form)),
                ("history", reverse("submissions:history")), ("feedback", feedback),
                ("report", reverse("reports:detail", args=[demo.published.pk])),
                ("explanation", reverse("accounts:how_it_works")),
                ("403", "/admin/"), ("404", reverse("reports:detail", args=[demo.draft.pk]))]
    if persona == "staff":
        return [*common, ("run progress", reverse("runs:detail", args=[demo.running_run.run_id])),
                ("run done", reverse("runs:detail", args=[demo.done_run.run_id]))]
    return [*common, ("draft report", reverse("reports:detail", args=[demo.draft.pk]))]


@pytest.mark.parametrize("persona", ["anonymous", "rep", "staff", "board"])
def test_no_page_has_a_serious_or_critical_axe_violation(demo, browser, live_server, persona):  # noqa: F811
    axe = require_axe()
    base = live_server.url
    context = browser.new_context(bypass_csp=True, viewport={"width": WIDTHS[0], "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    if persona == "anonymous":
        page.goto(base + reverse("accounts:login"))
    else:
        log_in(page, base, getattr(demo, persona))
    found = []
    for language in LANGUAGES:
        if language != "en":
            page.goto(base + reverse("accounts:login" if persona == "anonymous" else "overview:home"))
            switch_language(page, language)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            for name, where in states(persona, demo):
                page.goto(base + where) if isinstance(where, str) else where(page, base)
                assert page.locator("html").get_attribute("lang") == language, name
                found += [f"{name} [{language}, {width} px]: {v}" for v in audit(page, axe)]
    context.close()
    assert found == [], "\n".join(found)
