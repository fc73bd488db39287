"""The indicators of each kind of period (the paper's ITL questionnaire).

Semi-annual: total return, number of employees, percentage of export, added value.
Annual: those, plus labour costs, training costs and profit.  Ranges are generous
sanity bounds; staff can tighten them per period in admin.  Money in euros.
"""

from django.utils.translation import gettext_lazy as _

EUR_LIMIT = 10**12  # a trillion euros: above any member's figures; needs the 64-bit ring

SEMI_ANNUAL = [
    dict(code="total_return", name=_("Total return"), unit="EUR", lo=0, hi=EUR_LIMIT),
    dict(code="employees", name=_("Number of employees"), unit="", lo=0, hi=1_000_000),
    dict(code="export_share", name=_("Percentage of export"), unit="%", encoding="fixed", scale=1,
         lo=0, hi=1000),
    dict(code="added_value", name=_("Added value"), unit="EUR", lo=-EUR_LIMIT, hi=EUR_LIMIT),
]
ANNUAL = SEMI_ANNUAL + [
    dict(code="labour_costs", name=_("Labour costs"), unit="EUR", lo=0, hi=EUR_LIMIT),
    dict(code="training_costs", name=_("Training costs"), unit="EUR", lo=0, hi=EUR_LIMIT),
    dict(code="profit", name=_("Profit"), unit="EUR", lo=-EUR_LIMIT, hi=EUR_LIMIT),
]


def default_indicators(kind: str) -> list[dict]:
    return ANNUAL if kind == "annual" else SEMI_ANNUAL
