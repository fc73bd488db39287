"""The Celery app. Its configuration is the CELERY_* names in consortium.settings."""

import os

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consortium.settings")

app = Celery("consortium")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@after_setup_logger.connect
@after_setup_task_logger.connect
def json_lines_in_the_worker(logger=None, **kwargs) -> None:
    """LOG_FORMAT=json: the worker replaced Django's log handlers with its own; they write JSON lines too."""
    from django.conf import settings
    from pythonjsonlogger.json import JsonFormatter

    if settings.LOG_FORMAT != "json" or logger is None:
        return
    options = {k: v for k, v in settings.JSON_LOG_FORMATTER.items() if k != "()"}
    for handler in logger.handlers:
        handler.setFormatter(JsonFormatter(**options))
