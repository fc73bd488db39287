from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OverviewConfig(AppConfig):
    """No models: views over accounts, periods and submissions, and the period admin (autodiscovered)."""

    name = "consortium.portal.overview"
    label = "overview"
    verbose_name = _("Overview")
