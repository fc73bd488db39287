"""consortium.settings under different environments, each evaluated afresh."""

import os
import runpy
from pathlib import Path

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

import consortium

SETTINGS_FILE = Path(consortium.__file__).with_name("settings.py")
PRODUCTION_KEY = "k" * 50


def load_settings(monkeypatch, **env):
    """The settings module's names, computed from exactly `env` (nothing inherited)."""
    for name in list(os.environ):
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


def test_it_runs_with_nothing_set_but_the_dev_switch(monkeypatch):
    s = load_settings(monkeypatch, DEPLOYMENT_ENV="dev")
    assert s["DEBUG"] is False
    assert s["DEPLOYMENT_MODE"] == "portal"
    assert s["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert s["CHANNEL_LAYERS"]["default"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"
    assert s["CELERY_TASK_ALWAYS_EAGER"] is True


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        load_settings(monkeypatch, ALLOWED_HOSTS="portal.example")


def test_production_refuses_a_short_secret_key(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="50 characters"):
        load_settings(monkeypatch, SECRET_KEY="short", ALLOWED_HOSTS="portal.example")


def test_production_refuses_debug(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        load_settings(monkeypatch, DEBUG="true", SECRET_KEY=PRODUCTION_KEY, ALLOWED_HOSTS="x")


def test_production_needs_allowed_hosts(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="ALLOWED_HOSTS"):
        load_settings(monkeypatch, SECRET_KEY=PRODUCTION_KEY)


def test_production_reads_its_key_from_a_file(monkeypatch, tmp_path):
    (tmp_path / "key").write_text(PRODUCTION_KEY)
    s = load_settings(
        monkeypatch, SECRET_KEY_FILE=str(tmp_path / "key"), ALLOWED_HOSTS="portal.example"
    )
    assert s["SECRET_KEY"] == PRODUCTION_KEY
    assert s["SESSION_COOKIE_SECURE"] is True


def test_portal_mode_installs_the_portal_apps_only(monkeypatch):
    s = load_settings(monkeypatch, DEPLOYMENT_ENV="dev", DEPLOYMENT_MODE="portal")
    assert "consortium.portal.accounts.apps.PortalAdminConfig" in s["INSTALLED_APPS"]  # django.contrib.admin
    assert "miners.apps.MinersConfig" not in s["INSTALLED_APPS"]


def test_miner_mode_installs_the_miner_app_without_admin_or_sessions(monkeypatch):
    s = load_settings(monkeypatch, DEPLOYMENT_ENV="dev", DEPLOYMENT_MODE="miner", MINER_INDEX="2")
    assert "miners.apps.MinersConfig" in s["INSTALLED_APPS"]
    assert not any("admin" in app.lower() for app in s["INSTALLED_APPS"])
    assert not any("session" in m.lower() for m in s["MIDDLEWARE"])
    assert s["MINER_INDEX"] == 2
    assert s["DATABASES"]["default"]["NAME"].endswith("miner2.sqlite3")


def test_an_unknown_mode_is_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="DEPLOYMENT_MODE"):
        load_settings(monkeypatch, DEPLOYMENT_ENV="dev", DEPLOYMENT_MODE="minr")


def test_a_miner_index_out_of_range_is_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="MINER_INDEX"):
        load_settings(monkeypatch, DEPLOYMENT_ENV="dev", DEPLOYMENT_MODE="miner", MINER_INDEX="3")


def test_redis_url_selects_the_redis_channel_layer_and_broker(monkeypatch):
    s = load_settings(monkeypatch, DEPLOYMENT_ENV="dev", REDIS_URL="redis://r.example:6379/0")
    assert s["CHANNEL_LAYERS"]["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    assert s["CELERY_BROKER_URL"] == "redis://r.example:6379/0"
    assert s["CELERY_TASK_ALWAYS_EAGER"] is False


def test_non_eager_celery_without_a_broker_is_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="CELERY_BROKER_URL"):
        load_settings(monkeypatch, DEPLOYMENT_ENV="dev", CELERY_TASK_ALWAYS_EAGER="false")


def test_database_url_selects_postgres(monkeypatch):
    s = load_settings(monkeypatch, DEPLOYMENT_ENV="dev", DATABASE_URL="postgres://u:p@h/portal")
    assert s["DATABASES"]["default"]["ENGINE"] == "django.db.backends.postgresql"


def error_ids():
    return {m.id for m in checks.run_checks() if m.level >= checks.ERROR}


@override_settings(DEPLOYMENT_MODE="miner", MINER_INDEX=None)
@pytest.mark.django_db  # the miner's checks read the peers' pinned keys
def test_a_miner_without_miner_index_fails_the_system_check():
    assert "consortium.E001" in error_ids()


@override_settings(DEPLOYMENT_MODE="miner", MINER_INDEX=0)
@pytest.mark.django_db
def test_a_miner_with_miner_index_passes_the_system_check():
    assert "consortium.E001" not in error_ids()


@override_settings(DEPLOYMENT_MODE="portal", MINER_INDEX=1)
def test_a_portal_with_miner_index_gets_a_warning():
    assert "consortium.W001" in {m.id for m in checks.run_checks()}


@pytest.mark.parametrize("mode", [{}, {"DEPLOYMENT_MODE": "miner", "MINER_INDEX": "2"}])
def test_sqlite_is_configured_for_a_server_in_both_roles(monkeypatch, mode):
    s = load_settings(monkeypatch, DEPLOYMENT_ENV="dev", **mode)
    database = s["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["OPTIONS"]["timeout"] == s["SQLITE_BUSY_TIMEOUT_SECONDS"] == 20
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "PRAGMA journal_mode=WAL" in database["OPTIONS"]["init_command"]


def test_postgresql_gets_none_of_sqlites_options(monkeypatch):
    s = load_settings(monkeypatch, DEPLOYMENT_ENV="dev",
                      DATABASE_URL="postgres://u:p@db.example:5432/portal?sslmode=require")
    options = s["DATABASES"]["default"]["OPTIONS"]
    assert {name: value for name, value in options.items() if name != "pool"} == {"sslmode": "require"}


def test_postgresql_gets_a_connection_pool_by_default(monkeypatch):
    s = load_settings(monkeypatch, DEPLOYMENT_ENV="dev", DATABASE_URL="postgres://u:p@db.example/portal")
    database = s["DATABASES"]["default"]
    assert database["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 10, "timeout": 10}
    assert database.get("CONN_MAX_AGE", 0) == 0  # Django refuses a pool with persistent connections


def test_the_pool_size_and_wait_are_settings(monkeypatch):
    s = load_settings(monkeypatch, DEPLOYMENT_ENV="dev", DATABASE_URL="postgres://u:p@db.example/portal",
                      DATABASE_POOL_MAX_SIZE="1", DATABASE_POOL_TIMEOUT_SECONDS="3")
    assert s["DATABASES"]["default"]["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 1, "timeout": 3}


def test_a_pool_size_of_zero_opens_a_connection_per_request(monkeypatch):
    s = load_settings(monkeypatch, DEPLOYMENT_ENV="dev", DATABASE_URL="postgres://u:p@db.example/portal",
                      DATABASE_POOL_MAX_SIZE="0")
    assert "pool" not in s["DATABASES"]["default"]["OPTIONS"]


def test_sqlite_gets_no_pool(monkeypatch):
    s = load_settings(monkeypatch, DEPLOYMENT_ENV="dev")
    assert "pool" not in s["DATABASES"]["default"]["OPTIONS"]
