"""GET /api/health (docs/api.md section 5): index, version, key fingerprint, the sharing library's
SHA-256, and each peer's state, checked in parallel within MINER_PEER_HEALTH_TIMEOUT_SECONDS."""

import hashlib
import time
from pathlib import Path

import pytest
from django.test import override_settings

from consortium.contract import keys, library

from .fake_portal import closed_port_url

pytestmark = pytest.mark.django_db  # the peers' URLs as pinned (miners/pins/)


def test_it_names_this_miner_its_version_and_key(client, miner_keys):
    body = client.get("/api/health").json()
    assert body["miner_index"] == 0
    assert body["version"] == "0.1.0"
    assert body["key_fingerprint"] == keys.fingerprint(keys.encode_public_key(miner_keys[0]))
    assert body["peers"] == {"1": "not_configured", "2": "not_configured"}
    assert body["status"] == "degraded"


def test_a_peer_that_answers_is_ok_and_one_that_does_not_is_unreachable(client, portal, settings):
    # the fake portal answers GET /healthz: it stands in for a healthy peer
    peers = {1: {**settings.MINER_PEERS[1], "url": portal.url},
             2: {**settings.MINER_PEERS[2], "url": closed_port_url()}}
    with override_settings(MINER_PEERS=peers):
        body = client.get("/api/health").json()
    assert body["peers"] == {"1": "ok", "2": "unreachable"} and body["status"] == "degraded"
    with override_settings(MINER_PEERS={j: {**p, "url": portal.url} for j, p in peers.items()}):
        assert client.get("/api/health").json()["status"] == "ok"


def test_slow_peers_are_waited_for_in_parallel(client, portal, settings):
    portal.delay = 0  # GET is not delayed; a peer that never answers: a listening socket that never replies
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with override_settings(MINER_PEERS={j: {**p, "url": url} for j, p in settings.MINER_PEERS.items()},
                               MINER_PEER_HEALTH_TIMEOUT_SECONDS=1):
            began = time.monotonic()
            body = client.get("/api/health").json()
            took = time.monotonic() - began
    assert body["peers"] == {"1": "unreachable", "2": "unreachable"}
    assert took < 1.9  # two time-outs of 1 s, waited at once


def test_it_needs_no_credential_and_is_not_cached(client):
    response = client.get("/api/health")
    assert response.status_code == 200 and "no-cache" in response["Cache-Control"]


def test_it_names_the_sharing_library_its_version_ships(client):
    shipped = Path(__file__).resolve().parents[2] / "static" / "js" / "sharing.js"
    body = client.get("/api/health").json()
    assert body["sharing_library_sha256"] == hashlib.sha256(shipped.read_bytes()).hexdigest()


def test_it_names_the_library_on_disk_now_and_none_when_it_is_gone(client, monkeypatch, tmp_path):
    planted = tmp_path / "sharing.js"
    planted.write_bytes(b"console.log('not the reviewed library');\n")
    monkeypatch.setattr(library, "sharing_library_path", lambda: planted)
    assert client.get("/api/health").json()["sharing_library_sha256"] == hashlib.sha256(
        planted.read_bytes()).hexdigest()
    planted.unlink()
    assert client.get("/api/health").json()["sharing_library_sha256"] == ""


def test_a_peers_state_is_asked_once_for_the_calls_of_the_next_seconds(monkeypatch):
    from miners.health import RecentStates

    asked, recent = [], RecentStates()
    monkeypatch.setattr(RecentStates, "MAX_AGE", 0.3)

    def ask(url):
        asked.append(url)
        return "ok" if len(asked) == 1 else "unreachable"

    assert [recent.state("http://peer-1", ask) for _ in range(5)] == ["ok"] * 5
    assert recent.state("http://peer-2", ask) == "unreachable"  # each peer its own
    time.sleep(0.35)
    assert recent.state("http://peer-1", ask) == "unreachable"  # asked again once that answer aged
    assert asked == ["http://peer-1", "http://peer-2", "http://peer-1"]


def test_while_a_peer_is_asked_other_calls_answer_its_last_state_at_once(monkeypatch):
    import threading

    from miners.health import RecentStates

    recent, release, asked = RecentStates(), threading.Event(), []
    monkeypatch.setattr(RecentStates, "MAX_AGE", 0.0)
    assert recent.state("http://peer-1", lambda url: "ok") == "ok"

    def silent_peer(url):  # a peer that takes its time: the asking call's thread waits for it
        asked.append(url)
        release.wait(10)
        return "unreachable"

    asking = threading.Thread(target=recent.state, args=("http://peer-1", silent_peer))
    asking.start()
    deadline = time.monotonic() + 10
    while not asked and time.monotonic() < deadline:
        time.sleep(0.01)
    began = time.monotonic()
    assert [recent.state("http://peer-1", silent_peer) for _ in range(20)] == ["ok"] * 20
    assert time.monotonic() - began < 0.5 and len(asked) == 1  # none asked it again, none waited
    release.set()
    asking.join(10)
    assert recent.state("http://peer-1", lambda url: "ok") == "ok"  # aged at once (MAX_AGE 0): asked anew


def test_the_first_calls_for_a_peer_wait_for_one_answer(settings):
    import threading

    from miners.health import RecentStates

    recent, asked, answers = RecentStates(), [], []

    def slow(url):
        asked.append(url)
        time.sleep(0.3)
        return "ok"

    threads = [threading.Thread(target=lambda: answers.append(recent.state("http://peer-1", slow)))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert answers == ["ok"] * 4 and asked == ["http://peer-1"]
