"""LOG_FORMAT=json: one JSON object per line from the web process and from the Celery worker's handlers;
plain by default; never the SQL and its parameters, whatever LOG_LEVEL and DEBUG say. METRICS_TOKEN: a
short one is refused."""

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from pythonjsonlogger.json import JsonFormatter

from consortium.celery import json_lines_in_the_worker

from .test_settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
LOG_SOMETHING = ("import logging\n"
                 "logging.getLogger('miners.example').warning('stored %s shares', 3)\n"
                 "try:\n    1 / 0\nexcept ZeroDivisionError:\n"
                 "    logging.getLogger('miners.example').exception('it failed')\n")


def manage_shell(tmp_path, command: str, **env) -> str:
    """What `manage.py shell -c command` writes to standard error, in a fresh process with `env`."""
    base = {"PATH": "/usr/bin:/bin", "DEPLOYMENT_ENV": "dev", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", command], cwd=ROOT, timeout=60,
                          env={**base, **env}, capture_output=True, text=True, check=True)
    return done.stderr


def test_json_lines_parse_and_carry_level_logger_time_and_the_traceback(tmp_path):
    lines = manage_shell(tmp_path, LOG_SOMETHING, LOG_FORMAT="json").splitlines()
    records = [json.loads(line) for line in lines]
    assert [(r["level"], r["logger"], r["message"]) for r in records] == [
        ("WARNING", "miners.example", "stored 3 shares"), ("ERROR", "miners.example", "it failed")]
    assert records[0]["time"].endswith("+00:00") and "ZeroDivisionError" in records[1]["exc_info"]


def test_plain_is_the_default(tmp_path):
    output = manage_shell(tmp_path, LOG_SOMETHING)
    assert output.startswith("stored 3 shares\n")
    with pytest.raises(json.JSONDecodeError):
        json.loads(output.splitlines()[0])


def test_the_sql_and_its_parameters_are_never_logged(tmp_path):
    query = ("import logging\n"
             "logging.getLogger('django').setLevel(logging.DEBUG)\n"  # as if someone turned Django's up
             "from django.db import connection\n"
             "connection.cursor().execute('select %s', ['9876543210123'])\n")
    assert "9876543210123" not in manage_shell(tmp_path, query, DEBUG="true", LOG_LEVEL="DEBUG")


def test_the_workers_handlers_write_json_lines(settings):
    settings.LOG_FORMAT = "json"
    logger = logging.getLogger("tests.worker-example")
    logger.handlers = [logging.StreamHandler()]
    json_lines_in_the_worker(logger=logger)
    assert isinstance(logger.handlers[0].formatter, JsonFormatter)
    settings.LOG_FORMAT = "plain"
    logger.handlers = [logging.StreamHandler()]
    json_lines_in_the_worker(logger=logger)
    assert logger.handlers[0].formatter is None


def test_an_unknown_log_format_is_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT"):
        load_settings(monkeypatch, DEPLOYMENT_ENV="dev", LOG_FORMAT="xml")


def test_a_short_metrics_token_is_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="METRICS_TOKEN"):
        load_settings(monkeypatch, DEPLOYMENT_ENV="dev", METRICS_TOKEN="too-short")
    loaded = load_settings(monkeypatch, DEPLOYMENT_ENV="dev", METRICS_TOKEN="t" * 32)
    assert loaded["METRICS_TOKEN"] == "t" * 32


def test_a_multiprocess_directory_that_does_not_exist_is_refused(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="PROMETHEUS_MULTIPROC_DIR"):
        load_settings(monkeypatch, DEPLOYMENT_ENV="dev", PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "none"))
    load_settings(monkeypatch, DEPLOYMENT_ENV="dev", PROMETHEUS_MULTIPROC_DIR=str(tmp_path))


def test_a_miner_with_a_worker_and_metrics_is_warned_without_a_multiprocess_directory(settings, monkeypatch):
    from consortium.checks import check_metrics_processes

    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    settings.DEPLOYMENT_MODE, settings.METRICS_TOKEN = "miner", "t" * 32
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert [w.id for w in check_metrics_processes()] == ["consortium.W020"]
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "/tmp")
    assert check_metrics_processes() == []
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    settings.CELERY_TASK_ALWAYS_EAGER = True  # runs in the web process: it counts everything itself
    assert check_metrics_processes() == []
