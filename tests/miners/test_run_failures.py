"""A run that cannot compute fails with a reason that names no data, recorded and pushed to the portal;
nothing half-computed is stored."""

import uuid

import pytest

from miners.portal import Portal
from miners.runs import actions, peers, worker
from miners.store.models import Run

pytestmark = pytest.mark.django_db


def request_for(columns):
    return {"run_id": str(uuid.uuid4()), "period": 7, "ring": 32, "columns": columns, "portal_url": "",
            "analyses": [{"kind": "sorted_indicator", "indicator": "employees", "lo": 0, "hi": 9,
                          "descending": False}]}


def execute(request, portal, portal_secrets, miner_keys, connect_peers=peers.no_peer_channel):
    actions.do_accept_run(request)
    miner = worker.Miner(0, miner_keys[0], Portal(portal.url, 0, portal_secrets[0], 5), connect_peers)
    worker.execute(request["run_id"], miner)
    return Run.objects.get(run_id=request["run_id"])


def test_without_a_peer_channel_the_run_fails_and_says_so(portal, portal_secrets, miner_keys):
    run = execute(request_for([]), portal, portal_secrets, miner_keys)
    assert run.state == "failed" and "peer channel is not configured" in run.error and run.outputs is None
    pushed = portal.progress_of(str(run.run_id), 0)[-1]
    assert pushed["state"] == "failed" and "MINER_CONNECT_PEERS" in pushed["error"]


def test_a_run_naming_shares_this_miner_lacks_fails_before_connecting(portal, portal_secrets, miner_keys):
    def must_not_connect(run_id, index):
        raise AssertionError("connected without the shares")

    run = execute(request_for([str(uuid.uuid4())]), portal, portal_secrets, miner_keys, must_not_connect)
    assert run.state == "failed"
    assert run.error == "1 submission(s) named by the run are not stored at this miner"


def test_an_unexpected_error_is_reported_by_its_kind_only(portal, portal_secrets, miner_keys):
    def broken(run_id, index):
        raise ValueError("share 123456789 is odd")  # a message that could hold data

    run = execute(request_for([]), portal, portal_secrets, miner_keys, broken)
    assert run.error == "internal error (ValueError); the miner's log has the details"
    assert "123456789" not in str(portal.pushes)


def test_by_default_a_run_opens_the_peer_channel_and_says_which_setting_it_lacks(settings):
    assert settings.MINER_CONNECT_PEERS == "miners.runs.peers.websocket_peers"
    with pytest.raises(peers.NoPeerChannel, match="MINER_PEER_1_URL is not set"):
        peers.configured()(str(uuid.uuid4()), 0)  # the test miner has its peers' keys but no URLs


def test_a_run_without_any_peer_channel_fails_naming_the_setting():
    with pytest.raises(peers.NoPeerChannel, match="MINER_CONNECT_PEERS"):
        peers.no_peer_channel(str(uuid.uuid4()), 0)


def test_the_round_reporter_speaks_at_most_once_per_interval(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(worker.time, "monotonic", lambda: now[0])
    said = []
    on_round = worker._every(5.0, said.append)
    for rounds in range(1, 200):
        now[0] += 0.125  # a round every 125 ms (exact in binary): 24.9 s in all
        on_round(rounds)
    assert said == [40, 80, 120, 160]
