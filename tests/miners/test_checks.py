"""System checks refuse a production miner without its portal, its key or its peers (consortium.E010),
each with the setting to set; on a development machine the same findings are warnings (W010)."""

import pytest
from django.core import checks
from django.test import override_settings

from consortium.checks import check_miner_own_settings

pytestmark = pytest.mark.django_db  # the keys pinned in the database come before the settings

SOUND = {"PORTAL_URL": "https://portal.example.org", "DEPLOYMENT_ENV": "production",
         "CELERY_TASK_ALWAYS_EAGER": False, "MINER_PEER_LISTEN": "127.0.0.1:8101"}


@pytest.fixture
def sound(settings):
    """Miner 0 as tests/miners/conftest.py sets it up, with https peers and a long portal secret."""
    settings.MINER_PEERS = {j: {**peer, "url": f"https://miner{j}.example.org"}
                            for j, peer in settings.MINER_PEERS.items()}
    settings.PORTAL_SECRET = "s" * 43


def findings(**change):
    with override_settings(**{**SOUND, **change}):
        return check_miner_own_settings()


def test_a_fully_configured_miner_passes(sound):
    assert findings() == []
    assert findings(CELERY_TASK_ALWAYS_EAGER=False, MINER_PEER_LISTEN="127.0.0.1:8101") == []


@pytest.mark.parametrize(("change", "setting"), [
    ({"PORTAL_URL": ""}, "PORTAL_URL is not set"),
    ({"PORTAL_URL": "http://portal.example.org"}, "PORTAL_URL is not an https:// address"),
    ({"PORTAL_SECRET": None}, "PORTAL_SECRET is missing"),
    ({"PORTAL_SECRET": "short"}, "PORTAL_SECRET is missing or shorter than 32"),
    ({"MINER_IDENTITY_KEY": None}, "MINER_IDENTITY_KEY is not set"),
    ({"MINER_IDENTITY_KEY": "!!"}, "MINER_IDENTITY_KEY is not base64"),
    ({"MINER_PEERS": {1: {"url": "https://m1.example.org", "public_key": ""},
                      2: {"url": "", "public_key": ""}}}, "MINER_PEER_1_PUBLIC_KEY is not set"),
    ({"MINER_PEERS": {1: {"url": "https://m1.example.org", "public_key": ""},
                      2: {"url": "", "public_key": ""}}}, "MINER_PEER_2_URL is not set"),
    ({"MINER_PEERS": {1: {"url": "https://m1.example.org", "public_key": "AAAA"},
                      2: {"url": "", "public_key": ""}}}, "MINER_PEER_1_PUBLIC_KEY decodes to 3 bytes"),
    ({"CELERY_TASK_ALWAYS_EAGER": False, "MINER_PEER_LISTEN": ""}, "MINER_PEER_LISTEN is not set"),
    ({"MINER_PEER_TLS_CERT_FILE": "/etc/miner/peer.crt"}, "MINER_PEER_TLS_CERT_FILE is set without"),
    ({"MINER_PEER_CA_FILE": "/nonexistent/ca.pem"}, "MINER_PEER_CA_FILE names a file this process cannot"),
    ({"CELERY_TASK_ALWAYS_EAGER": True}, "REDIS_URL is not set"),
    ({"MINER_PEERS": {1: {"url": "https://m1.example.org", "public_key": "", "channel_url": "ws://m1:8101/peer/ws"},
                      2: {"url": "", "public_key": ""}}}, "MINER_PEER_1_CHANNEL_URL is not a wss://"),
], ids=["no-portal", "plain-http-portal", "no-secret", "short-secret", "no-key", "bad-key", "no-peer-key",
        "no-peer-url", "bad-peer-key", "broker-without-peer-listen", "half-a-tls-pair", "unreadable-ca",
        "production-without-broker", "plain-ws-channel"])
def test_a_production_miner_without_a_setting_is_refused_naming_it(sound, change, setting):
    errors = findings(**change)
    assert any(setting in e.msg for e in errors), [e.msg for e in errors]
    assert all(e.level == checks.ERROR and e.id == "consortium.E010" and e.hint for e in errors)


def test_on_a_development_machine_they_are_warnings_that_say_so(settings):
    found = findings(DEPLOYMENT_ENV="dev", PORTAL_SECRET=None)
    assert found and all(f.level == checks.WARNING and "development machine only" in f.msg for f in found)


def test_it_is_registered_and_leaves_the_portal_alone(settings):
    with override_settings(**SOUND, PORTAL_SECRET=None):
        assert "consortium.E010" in {m.id for m in checks.run_checks()}
    with override_settings(**SOUND, PORTAL_SECRET=None, DEPLOYMENT_MODE="portal"):
        assert check_miner_own_settings() == []
