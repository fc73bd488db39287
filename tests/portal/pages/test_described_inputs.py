"""What describes an input is on the page: every id an aria-describedby names exists (a help text, an
error list), and a field's errors are among its descriptions, so that a screen reader reads them out."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.portal.factories import miners_setting, open_period
from tests.portal.reports.test_pages import make_report
from tests.portal.submissions.test_feedback import ANSWER, attempt


class Described(HTMLParser):
    """The page's ids, and each element's aria-describedby ids by its id (or tag)."""

    def __init__(self, html):
        super().__init__()
        self.ids, self.described = set(), {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if attrs.get("aria-describedby"):
            self.described[attrs.get("id") or tag] = attrs["aria-describedby"].split()

    def missing(self):
        return {who: [i for i in refs if i not in self.ids] for who, refs in self.described.items()
                if any(i not in self.ids for i in refs)}


@pytest.fixture(autouse=True)
def miners(settings):
    settings.MINERS = miners_setting()


def test_the_questionnaire_names_only_existing_help_and_errors(client_for, rep_a):
    url, _submission = attempt(rep_a, open_period("2026 annual", "annual"))
    client = client_for(rep_a, csrf=False)
    assert Described(client.get(url).content.decode()).missing() == {}
    page = Described(client.post(url, {**ANSWER, "benefit": "maybe", "extra_indicators": "x" * 501})
                     .content.decode())
    assert page.missing() == {}
    assert "id_extra_indicators_error" in page.described["id_extra_indicators"]
    assert page.described["fieldset"] == ["id_benefit_error"]  # the question's group of choices


def test_the_board_notes_name_their_help_text(client_for, board_user):
    draft = make_report()
    page = Described(client_for(board_user).get(reverse("reports:detail", args=[draft.pk])).content.decode())
    assert page.described["id_notes"] == ["id_notes_helptext"] and page.missing() == {}


def test_the_password_form_names_its_help_and_errors(client_for, rep_a):
    response = client_for(rep_a, csrf=False).post(reverse("accounts:password_change"), {
        "old_password": "wrong", "new_password1": "x", "new_password2": "y"})
    page = Described(response.content.decode())
    assert page.missing() == {}
    assert "id_old_password_error" in page.described["id_old_password"]


def test_each_figure_names_its_help_and_its_errors(client_for, rep_a):
    period = open_period("2026 annual", "annual")
    client = client_for(rep_a, csrf=False)
    page = Described(client.post(f"/submissions/form/{period.pk}/", follow=True).content.decode())
    figures = {who: refs for who, refs in page.described.items() if who.startswith("value-")}
    assert figures and page.missing() == {}
    assert all(refs == [f"help-{w[6:]}", f"error-{w[6:]}"] for w, refs in figures.items())
