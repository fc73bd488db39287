"""The embedded default as separate processes: SQLite each, no broker (each miner's runs execute in its
uvicorn process, which serves its /peer/ws), what `make demo` runs. One period of a few companies."""

import json

import pytest

from consortium.localrun.processes import Cluster

from .test_whole_system import analyse_one_period

COMPANIES = 6


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with Cluster(tmp_path_factory.mktemp("embedded")) as running:
        yield running


def test_one_period_on_the_embedded_default_equals_the_plaintext(cluster):
    assert all("sqlite" in p.env["DATABASE_URL"] and "REDIS_URL" not in p.env for p in cluster.parties)
    assert all(len(p.processes) == 1 for p in cluster.parties)  # uvicorn alone: no worker, no broker
    assert analyse_one_period(cluster, COMPANIES, seed=3) == []


def test_each_miners_doctor_finds_nothing_wrong_and_completes_its_handshakes(cluster):
    """`manage.py doctor --json` on each running miner: the portal accepts its secret, each peer answers
    with the pinned key (a real handshake where it dials), and no check is a problem."""
    import subprocess
    import sys

    from consortium.localrun.processes import ROOT

    for i, miner in enumerate(cluster.miners):
        done = subprocess.run([sys.executable, "manage.py", "doctor", "--json"], cwd=ROOT, env=miner.env,
                              capture_output=True, text=True, timeout=120, check=False)
        report = json.loads(done.stdout)
        checks = {c["check"]: c for c in report["checks"]}
        assert done.returncode == 0 and report["status"] != "problem", report
        assert checks["portal"]["state"] == "ok" and checks["database"]["state"] == "ok"
        for j in {0, 1, 2} - {i}:
            peer = checks[f"peer miner {j + 1} (index {j})"]
            assert peer["state"] == "ok", peer
            assert ("handshake in" in peer["line"]) == (j > i)
