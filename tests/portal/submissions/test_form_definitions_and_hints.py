"""Each default indicator comes with a short definition in the member's language ("Total return" is net
sales revenue, not an investment's return), on the form and the report; the form says what to type in a
member's words ("In euros, a whole number.") instead of a default's sanity bounds, and still states a
range staff chose."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from consortium.portal.periods.indicator_sets import ANNUAL
from consortium.portal.periods.models import IndicatorDefinition
from tests.portal.factories import miners_setting, open_period
from tests.portal.reports.test_pages import make_report


@pytest.fixture(autouse=True)
def miners(settings):
    settings.MINERS = miners_setting()


@pytest.fixture
def period(db):
    return open_period("2026 annual", "annual")


def field_help(client, period) -> dict[str, str]:
    """Each field's help text, as one line of words."""
    page = client.post(f"/submissions/form/{period.pk}/").content.decode()
    found = re.findall(r'<div class="help" id="help-([\w-]+)">(.*?)</div>', page, re.S)
    return {code: " ".join(re.sub(r"<[^>]+>", " ", html).split()) for code, html in found}


def test_every_default_indicator_has_a_definition_in_both_languages():
    for spec in ANNUAL:
        with translation.override("en"):
            english = str(spec["help_text"])
        with translation.override("et"):
            estonian = str(spec["help_text"])
        assert english and estonian and english != estonian, spec["code"]


def test_the_form_shows_definitions_and_hints_instead_of_the_sanity_bounds(client_for, rep_a, period):
    help_texts = field_help(client_for(rep_a), period)
    assert help_texts["total_return"] == ("Net sales revenue of the period: income from selling goods and "
                                          "services, without VAT (not a return on investment). "
                                          "In euros, a whole number.")
    assert help_texts["added_value"].endswith("In euros, a whole number. Can be negative.")
    assert help_texts["export_share"].endswith("A percentage from 0 to 100. At most 1 decimal place.")
    assert help_texts["employees"].endswith("A whole number.")
    assert not any("Allowed" in text or "1,000,000,000,000" in text for text in help_texts.values())


def test_the_form_speaks_the_members_language(client_for, rep_a, period):
    rep_a.language = "et"
    rep_a.save(update_fields=["language"])
    help_texts = field_help(client_for(rep_a), period)
    assert help_texts["total_return"].startswith("Perioodi müügitulu")
    assert help_texts["total_return"].endswith("Eurodes, täisarv.")
    assert help_texts["export_share"].endswith(
        "Protsent vahemikus 0 kuni 100. Kõige rohkem 1 koht pärast koma.")


def test_a_range_staff_chose_is_stated(client_for, rep_a, period):
    IndicatorDefinition.objects.filter(period=period, code="employees").update(lo=1, hi=5000)
    assert field_help(client_for(rep_a), period)["employees"].endswith("A whole number. Allowed: 1 to 5,000.")


def test_a_period_created_before_definitions_existed_shows_them_too(client_for, rep_a, period):
    IndicatorDefinition.objects.filter(period=period).update(help_text="")
    assert field_help(client_for(rep_a), period)["profit"].startswith("Net profit or loss of the year")


def test_the_report_page_repeats_each_indicators_definition(client_for, rep_a, board_user):
    report = make_report(publish_by=board_user)
    IndicatorDefinition.objects.filter(period=report.period, code="employees").update(
        help_text="Average number of employees during the period, converted to full-time equivalents.")
    page = client_for(rep_a).get(reverse("reports:detail", args=[report.pk])).content.decode()
    section = page[page.index('id="ind-employees"'):]
    assert ('<p class="muted report-definition">Average number of employees during the period, converted to '
            "full-time equivalents.</p>") in section[:section.index("</section>")]
