from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeriodsConfig(AppConfig):
    name = "consortium.portal.periods"
    label = "periods"
    verbose_name = _("Periods")  # not the model's plural: admin's breadcrumb shows both
