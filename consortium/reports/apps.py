from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "consortium.reports"
    label = "reports"
