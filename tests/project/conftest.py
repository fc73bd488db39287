import importlib

import pytest
from django.test import override_settings
from django.urls import clear_url_caches

import consortium.urls


def _reload_urlconf():
    # consortium.urls picks its routes at import time, as a deployed process does once.
    importlib.reload(consortium.urls)
    clear_url_caches()


@pytest.fixture
def miner_mode():
    """This process deployed as miner 1: its settings and its URL configuration."""
    with override_settings(DEPLOYMENT_MODE="miner", MINER_INDEX=1):
        _reload_urlconf()
        yield
    _reload_urlconf()
