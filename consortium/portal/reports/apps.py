from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "consortium.portal.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from consortium.portal.runs.signals import run_finished

        from .actions import draft_report_of_finished_run

        run_finished.connect(draft_report_of_finished_run, dispatch_uid="reports.draft_on_run_finished")
