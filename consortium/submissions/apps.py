from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "consortium.submissions"
    label = "submissions"
