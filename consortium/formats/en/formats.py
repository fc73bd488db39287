"""English for a European consortium: day before month, a 24-hour clock, weeks from Monday.

Anything not set here comes from Django's English locale.
"""

DATE_FORMAT = "j F Y"  # 25 November 2026
DATETIME_FORMAT = "j F Y, H:i"  # 25 November 2026, 09:03
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
