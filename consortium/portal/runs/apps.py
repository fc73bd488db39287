from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RunsConfig(AppConfig):
    name = "consortium.portal.runs"
    label = "runs"
    verbose_name = _("Analyses")
