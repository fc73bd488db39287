"""Every test here runs as miner 0 (DEPLOYMENT_MODE=miner) against a real fake portal on 127.0.0.1.

The test process is a portal (tests/settings.py; settings are read once, at import, as a deployed
process does), with the miner's apps installed beside the portal's so their tables exist. The autouse
fixture `as_miner` switches it to miner 0 for one test: the mode, index, portal URL and secret, identity
key, peers, the miner's middleware list (consortium.settings.middleware_for) and URL configuration, as
tests/project/conftest.py's `miner_mode` does for the URLs.
"""

import importlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import override_settings
from django.urls import clear_url_caches

import consortium.urls
from consortium.contract import keys
from consortium.settings import middleware_for
from miners.identity.keys import encode_private_key
from miners.peering import configured

from .fake_portal import FakePortal, new_secrets

INDEX = 0


def _reload_urlconf():
    importlib.reload(consortium.urls)
    clear_url_caches()


@pytest.fixture
def miner_keys():
    return [Ed25519PrivateKey.generate() for _ in range(3)]


@pytest.fixture
def portal_secrets():
    return new_secrets()


@pytest.fixture
def portal(portal_secrets):
    with FakePortal(portal_secrets) as running:
        yield running


def miner_settings(index, miner_keys, portal_secrets, portal_url, peer_urls=None):
    peer_urls = peer_urls or {}
    return dict(
        DEPLOYMENT_MODE="miner", MINER_INDEX=index, MIDDLEWARE=middleware_for("miner"),
        PORTAL_URL=portal_url, PORTAL_SECRET=portal_secrets[index], PORTAL_TIMEOUT_SECONDS=2,
        CORS_ALLOWED_ORIGINS=[portal_url],
        MINER_IDENTITY_KEY=encode_private_key(miner_keys[index]),
        MINER_PEERS={j: {"url": peer_urls.get(j, ""), "public_key": keys.encode_public_key(miner_keys[j])}
                     for j in range(3) if j != index},
        MINER_PEER_HEALTH_TIMEOUT_SECONDS=1,
    )


@pytest.fixture(autouse=True)
def as_miner(miner_keys, portal_secrets, portal):
    from django.core.cache import cache

    from miners import health

    cache.clear()  # throttles and the status page's failure counts: per test, not per process
    health.RecentStates.__init__(health._recent)  # the peers' states asked: per test too
    with override_settings(**miner_settings(INDEX, miner_keys, portal_secrets, portal.url)):
        _reload_urlconf()
        yield
        configured.stop()  # a peer node a test built from these settings goes with them
    _reload_urlconf()
