from django.apps import AppConfig


class RunsConfig(AppConfig):
    name = "consortium.runs"
    label = "runs"
