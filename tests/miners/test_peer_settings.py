"""How a miner process finds its peers from its settings (miners/peering/configured.py), and where it
serves /peer/ws: in the ASGI process without a broker, in the solo Celery worker with one."""

import types

import pytest

from miners.peering import configured
from miners.runs import tasks

pytestmark = pytest.mark.django_db  # the peers as pinned (miners/pins/), the settings the first pin


def test_the_channel_url_follows_the_base_url():
    assert configured.channel_url("https://m1.example.org") == "wss://m1.example.org/peer/ws"
    assert configured.channel_url("http://127.0.0.1:8001/miner/") == "ws://127.0.0.1:8001/miner/peer/ws"
    with pytest.raises(configured.PeerSettingsError):
        configured.channel_url("ftp://m1.example.org")


def test_an_explicit_channel_url_wins_and_a_missing_url_is_named(settings):
    peers = {j: dict(peer) for j, peer in settings.MINER_PEERS.items()}
    peers[1].update(url="https://m1.example.org", channel_url="wss://10.0.0.1:8101/peer/ws")
    peers[2].update(url="https://m2.example.org")
    settings.MINER_PEERS = peers
    assert configured.peer_channel_urls() == {1: "wss://10.0.0.1:8101/peer/ws", 2: "wss://m2.example.org/peer/ws"}
    peers[2]["url"] = ""
    with pytest.raises(configured.PeerSettingsError, match="MINER_PEER_2_URL is not set"):
        configured.peer_channel_urls()


def test_the_node_is_this_miner_with_its_two_peers(settings):
    settings.MINER_PEERS = {j: dict(p, url=f"https://m{j}.example.org")
                            for j, p in settings.MINER_PEERS.items()}
    node = configured.process_node()
    assert node is configured.process_node()  # one per process
    assert node.index == 0 and sorted(node.peers) == [1, 2]
    assert node.peers[2].url == "wss://m2.example.org/peer/ws"


def test_a_bad_peer_key_is_named(settings):
    settings.MINER_PEERS = {j: dict(p, url=f"https://m{j}.example.org", public_key="AAAA")
                            for j, p in settings.MINER_PEERS.items()}
    with pytest.raises(configured.PeerSettingsError, match="MINER_PEER_1_PUBLIC_KEY"):
        configured.build_node()


def test_the_asgi_process_serves_the_peer_channel_only_when_it_runs_the_runs(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert [str(r.pattern) for r in configured.asgi_routes()] == ["peer/ws", ""]
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert [str(r.pattern) for r in configured.asgi_routes()] == [""]  # every path refused


def test_a_worker_needs_a_listen_address(settings):
    settings.MINER_PEER_LISTEN = ""
    with pytest.raises(configured.PeerSettingsError, match="MINER_PEER_LISTEN"):
        configured.serve_in_worker()
    settings.MINER_PEER_LISTEN = "nonsense"
    with pytest.raises(configured.PeerSettingsError, match="host:port"):
        configured.listen_address()
    settings.MINER_PEER_LISTEN = "[::1]:8101"
    assert configured.listen_address() == ("::1", 8101)


def test_a_worker_of_several_processes_is_refused():
    prefork = types.SimpleNamespace(pool_cls="prefork")
    with pytest.raises(SystemExit) as stopped:
        tasks.serve_peer_channel(sender=prefork)
    assert isinstance(stopped.value.__cause__, tasks.WorkerPoolError)
    assert "--pool solo" in str(stopped.value.__cause__)
