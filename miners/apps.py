from django.apps import AppConfig


class MinersConfig(AppConfig):
    name = "miners"
    verbose_name = "Miner"

    def ready(self):
        from miners.runs import tasks  # noqa: F401 - registers the Celery task
