"""Key rotation on real processes (the embedded default, and PostgreSQL + Redis + Celery): miner 3
(index 2) rotates its identity key with one command while everything runs; its peers and the portal
follow the statement signed by the old key, and a period submitted and analysed afterwards (receipts and
the peer channel under the new key) comes out equal to the plaintext."""

import json

import pytest

from consortium.contract import keys
from consortium.localrun.processes import Cluster

from .test_whole_system import analyse_one_period

COMPANIES = 6


@pytest.fixture(scope="module", params=["embedded", "postgresql+celery"])
def cluster(request, tmp_path_factory):
    """The embedded default (runs in the uvicorn process), and PostgreSQL + Redis with a Celery worker per
    miner (runs and /peer/ws in the worker, a process apart from the web process that takes the rotation)."""
    services = request.getfixturevalue("services") if request.param != "embedded" else None
    with Cluster(tmp_path_factory.mktemp("rotation"), services) as running:
        yield running


def identity(miner) -> dict:
    import urllib.request

    with urllib.request.urlopen(miner.url + "/api/identity", timeout=5) as response:  # noqa: S310 - ours
        return json.loads(response.read())


def test_a_peer_is_pinned_only_with_the_fingerprint_its_host_gave(cluster):
    import subprocess
    import sys

    from tests.project.test_layering import ROOT

    peer = cluster.miners[1]
    right = identity(peer)["fingerprint"]
    wrong = keys.fingerprint(keys.encode_public_key(cluster.keys[2]))
    refused = subprocess.run([sys.executable, "manage.py", "add_peer", peer.url, wrong], cwd=ROOT,
                             env=cluster.miners[0].env, capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0 and "FINGERPRINT MISMATCH" in refused.stderr
    out = cluster.manage(cluster.miners[0], "add_peer", peer.url, right)
    assert f"Pinned miner 2 (index 1) at {peer.url}" in out and right in out


def test_a_miner_rotates_its_key_and_the_next_analysis_runs(cluster):
    old = keys.encode_public_key(cluster.keys[2])
    out = cluster.manage(cluster.miners[2], "rotate_identity")
    assert "Both peers and the portal accept the new key" in out, out
    new = identity(cluster.miners[2])["public_key"]
    assert new != old and keys.fingerprint(new) in out
    for peer in cluster.miners[:2]:
        shown = cluster.manage(peer, "show_fingerprints")
        assert f"{keys.fingerprint(new)}  {new}  (pinned)" in shown and keys.fingerprint(old) in shown

    assert analyse_one_period(cluster, COMPANIES, seed=5) == []  # receipts and channel under the new key
