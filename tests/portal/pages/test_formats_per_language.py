"""Dates and numbers per language (consortium/formats): English as a European reads it, Estonian complete."""

import datetime as dt

import pytest
from django.utils import translation
from django.utils.formats import date_format, number_format

MOMENT = dt.datetime(2026, 11, 25, 9, 3)


@pytest.mark.parametrize("language, date, datetime, short", [
    ("en", "25 November 2026", "25 November 2026, 09:03", "25.11.2026 09:03"),
    ("et", "25. november 2026", "25. november 2026, 09:03", "25.11.2026 09:03"),
])
def test_it_writes_dates_day_first_with_a_24_hour_clock(language, date, datetime, short):
    with translation.override(language):
        assert date_format(MOMENT.date()) == date
        assert date_format(MOMENT, "DATETIME_FORMAT") == datetime
        assert date_format(MOMENT, "SHORT_DATETIME_FORMAT") == short


@pytest.mark.parametrize("language, shown", [("en", "18,400,000.5"), ("et", "18\xa0400\xa0000,5")])
def test_it_groups_thousands_in_both_languages(language, shown):
    with translation.override(language):
        assert number_format(18400000.5, decimal_pos=1, use_l10n=True, force_grouping=True) == shown
