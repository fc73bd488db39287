"""A miner's settings from the environment (consortium/settings.py, evaluated afresh)."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.project.test_settings import load_settings

MINER = {"DEPLOYMENT_ENV": "dev", "DEPLOYMENT_MODE": "miner", "MINER_INDEX": "1"}


def test_the_peers_are_the_two_other_indices(monkeypatch):
    s = load_settings(monkeypatch, **MINER, MINER_PEER_0_URL="https://m0.example.org/",
                      MINER_PEER_2_PUBLIC_KEY="k2", MINER_PEER_1_URL="https://ignored.example.org",
                      MINER_PEER_2_CHANNEL_URL="wss://10.0.0.2:8101/peer/ws")
    assert s["MINER_PEERS"] == {0: {"url": "https://m0.example.org", "public_key": "", "channel_url": ""},
                                2: {"url": "", "public_key": "k2", "channel_url": "wss://10.0.0.2:8101/peer/ws"}}


def test_a_miner_worker_runs_one_run_at_a_time_in_its_own_process(monkeypatch):
    s = load_settings(monkeypatch, **MINER)
    assert (s["CELERY_WORKER_POOL"], s["CELERY_WORKER_CONCURRENCY"]) == ("solo", 1)
    assert s["MINER_CONNECT_PEERS"] == "miners.runs.peers.websocket_peers"


def test_only_the_portals_origin_may_post_shares(monkeypatch):
    s = load_settings(monkeypatch, **MINER, PORTAL_URL="https://portal.example.org/consortium/")
    assert s["CORS_ALLOWED_ORIGINS"] == ["https://portal.example.org"]
    assert s["CORS_URLS_REGEX"] == r"^/api/shares$"
    assert "corsheaders.middleware.CorsMiddleware" in s["MIDDLEWARE"]
    assert load_settings(monkeypatch, **MINER)["CORS_ALLOWED_ORIGINS"] == []


def test_the_portal_never_runs_the_cors_middleware(monkeypatch):
    s = load_settings(monkeypatch, DEPLOYMENT_ENV="dev", PORTAL_URL="https://portal.example.org")
    assert "corsheaders.middleware.CorsMiddleware" not in s["MIDDLEWARE"]
    assert "corsheaders" not in s["INSTALLED_APPS"]


def test_secrets_come_from_files_too(monkeypatch, tmp_path):
    (tmp_path / "secret").write_text("p" * 43)
    (tmp_path / "key").write_text("a2V5\n")
    s = load_settings(monkeypatch, **MINER, PORTAL_SECRET_FILE=str(tmp_path / "secret"),
                      MINER_IDENTITY_KEY_FILE=str(tmp_path / "key"))
    assert s["PORTAL_SECRET"] == "p" * 43 and s["MINER_IDENTITY_KEY"] == "a2V5"


def test_the_portal_time_out_is_bounded(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="PORTAL_TIMEOUT_SECONDS"):
        load_settings(monkeypatch, **MINER, PORTAL_TIMEOUT_SECONDS="600")
