"""The consortium's contact address (CONSORTIUM_CONTACT_EMAIL) is in every page's footer and on the
explanation page, which tells members to write to staff; without one, neither shows an address."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from consortium.env import envemail

pytestmark = pytest.mark.django_db

ADDRESS = "benchmarking@liit.example.ee"


def test_the_footer_and_the_explanation_page_give_the_address(client_for, rep_a, settings):
    settings.CONSORTIUM_CONTACT_EMAIL = ADDRESS
    client = client_for(rep_a)
    home = client.get(reverse("overview:home")).content.decode()
    footer = home[home.index('<footer class="site">'):]
    assert f'<a href="mailto:{ADDRESS}">{ADDRESS}</a>' in footer[:footer.index("</footer>")]
    explanation = client.get(reverse("accounts:how_it_works")).content.decode()
    assert f'Write to the consortium\'s staff at <a href="mailto:{ADDRESS}">{ADDRESS}</a>' in explanation


def test_without_an_address_nothing_is_shown(client, settings):
    settings.CONSORTIUM_CONTACT_EMAIL = ""
    page = client.get(reverse("accounts:how_it_works")).content.decode()
    assert "mailto:" not in page and "Write to the consortium's staff:" in page


def test_a_setting_that_is_not_an_address_stops_the_process(monkeypatch):
    monkeypatch.setenv("CONSORTIUM_CONTACT_EMAIL", "staff at the office")
    with pytest.raises(ImproperlyConfigured, match="CONSORTIUM_CONTACT_EMAIL"):
        envemail("CONSORTIUM_CONTACT_EMAIL", "")
