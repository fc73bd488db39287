"""The indicators of each kind of period (the paper's ITL questionnaire).

Semi-annual: total return, number of employees, percentage of export, added value.
Annual: those, plus labour costs, training costs and profit.  Ranges are generous
sanity bounds; staff can tighten them per period in admin.  Money in euros.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

EUR_LIMIT = 10**12  # a trillion euros: above any member's figures; needs the 64-bit ring

# Each with a short definition for the form: a finance person reads "total return" as an investment's
# return, where the ITL questionnaire meant net sales revenue (müügitulu).
SEMI_ANNUAL = [
    dict(code="total_return", name=_("Total return"), unit="EUR", lo=0, hi=EUR_LIMIT,
         help_text=_("Net sales revenue of the period: income from selling goods and services, "
                     "without VAT (not a return on investment).")),
    dict(code="employees", name=_("Number of employees"), unit="", lo=0, hi=1_000_000,
         help_text=_("Average number of employees during the period, converted to full-time "
                     "equivalents.")),
    dict(code="export_share", name=_("Percentage of export"), unit="%", encoding="fixed", scale=1,
         lo=0, hi=1000,
         help_text=_("Sales outside Estonia as a percentage of net sales revenue.")),
    dict(code="added_value", name=_("Added value"), unit="EUR", lo=-EUR_LIMIT, hi=EUR_LIMIT,
         help_text=_("Operating profit plus labour costs plus depreciation of the period.")),
]
ANNUAL = SEMI_ANNUAL + [
    dict(code="labour_costs", name=_("Labour costs"), unit="EUR", lo=0, hi=EUR_LIMIT,
         help_text=_("Wages and salaries of the year with the employer's social and unemployment "
                     "insurance taxes.")),
    dict(code="training_costs", name=_("Training costs"), unit="EUR", lo=0, hi=EUR_LIMIT,
         help_text=_("What the company spent on its employees' training and courses in the year.")),
    dict(code="profit", name=_("Profit"), unit="EUR", lo=-EUR_LIMIT, hi=EUR_LIMIT,
         help_text=_("Net profit or loss of the year, as in the income statement.")),
]


def default_indicators(kind: str) -> list[dict]:
    return ANNUAL if kind == "annual" else SEMI_ANNUAL


def default_spec(code: str) -> dict | None:
    """The default indicator with this code (any kind of period), or None for a staff-made one."""
    return next((spec for spec in ANNUAL if spec["code"] == code), None)


def spellings(text) -> set[str]:
    """A default's (lazy) text as it reads in each of the portal's languages: what a period created
    while that language was active may have stored."""
    spelled = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            spelled.add(str(text))
    return spelled


def translated_default(code: str, key: str, stored: str) -> str:
    """`stored` (an indicator's name or help text) in the active language when it is the default's
    text in any language; as typed when staff changed it."""
    spec = default_spec(code)
    default = spec.get(key) if spec else None
    if default and stored in spellings(default):
        return str(default)
    return stored


def default_help_text(code: str, name: str, stored: str) -> str:
    """The help text to show: as `translated_default`, and the default's definition for a default
    indicator (by its default name) created before defaults had one (its stored help text is empty)."""
    spec = default_spec(code)
    if not stored and spec and name in spellings(spec["name"]):
        return str(spec["help_text"])
    return translated_default(code, "help_text", stored)
