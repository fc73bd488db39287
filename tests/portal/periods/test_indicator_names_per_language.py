"""Default indicators' names are shown in the reader's language, whatever language created the period;
a name staff typed is shown as typed."""

import io
import re

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from consortium.portal.periods.actions import do_close_period
from consortium.portal.periods.models import IndicatorDefinition
from tests.portal.factories import open_period
from tests.portal.reports.test_pages import make_report

pytestmark = pytest.mark.django_db

ET_TOTAL_RETURN = "Müügitulu"
ET_EMPLOYEES = "Töötajate arv"


def _in_estonian(user):
    user.language = "et"
    user.save(update_fields=["language"])
    return user


def test_it_stores_the_default_names_in_english_whoever_creates_the_period():
    with translation.override("et"):
        period = open_period()
    assert period.indicators.get(code="total_return").name == "Total return"


@pytest.mark.parametrize("stored", ["Total return", ET_TOTAL_RETURN])
def test_it_shows_a_default_name_in_the_active_language(stored):
    indicator = IndicatorDefinition(code="total_return", name=stored)
    with translation.override("et"):
        assert indicator.display_name == ET_TOTAL_RETURN
        assert str(indicator) == ET_TOTAL_RETURN
    with translation.override("en"):
        assert indicator.display_name == "Total return"


def test_it_shows_a_name_staff_typed_as_typed():
    indicator = IndicatorDefinition(code="total_return", name="Net sales", unit="EUR")
    with translation.override("et"):
        assert indicator.display_name == "Net sales" and str(indicator) == "Net sales (EUR)"
    assert IndicatorDefinition(code="own_code", name="Total return").display_name == "Total return"


def test_the_form_labels_are_in_the_members_language(client_for, rep_a):
    period = open_period()
    page = client_for(_in_estonian(rep_a)).post(reverse("submissions:form", args=[period.pk]))
    labels = re.findall(r'<label for="value-total_return">([^<(]*)', page.content.decode())
    assert [label.strip() for label in labels] == [ET_TOTAL_RETURN]


def test_the_report_and_its_excel_file_are_in_the_readers_language(client_for, board_user):
    report = make_report()
    client = client_for(_in_estonian(board_user))
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert f"<h2>{ET_EMPLOYEES}" in page and "Number of employees" not in page
    workbook = load_workbook(io.BytesIO(client.get(reverse("reports:export", args=[report.pk])).content))
    assert any(title.startswith(ET_EMPLOYEES[:20]) for title in workbook.sheetnames)


def test_the_analysis_start_page_is_in_the_staff_members_language(client_for, staff_user):
    period = do_close_period(open_period(), None)
    page = client_for(_in_estonian(staff_user)).get(f"/analyses/periods/{period.pk}/start/").content.decode()
    assert ET_TOTAL_RETURN in page and "Total return" not in page
