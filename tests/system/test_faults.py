"""Faults, with real processes killed by a signal: a miner down during intake (no submission is complete
unless all three stored it; nothing stored is lost) and during an analysis (the run fails naming the
miner, and a restart of the run completes once the miner is back)."""

import json
import signal
import threading
import time
import urllib.request

import psycopg
import pytest

from consortium.contract.credentials import portal_header
from consortium.localrun import synthetic
from consortium.localrun.member import Member
from consortium.localrun.processes import Cluster

from .conftest import DEMO_PASSWORD
from .test_whole_system import status, wait_for_run

COMPANIES = 12
# A dead peer is noticed within seconds, not the defaults' minutes.
FAST_FAILURE = {"MINER_PEER_RECONNECT_SECONDS": "2", "MINER_PEER_TIMEOUT_SECONDS": "8",
                "MINER_PEER_CONNECT_SECONDS": "20", "MINER_HTTP_TIMEOUT_SECONDS": "3"}


@pytest.fixture(scope="module")
def cluster(services, tmp_path_factory):
    with Cluster(tmp_path_factory.mktemp("faults"), services, extra_env=FAST_FAILURE) as running:
        running.setup = json.loads(running.manage(running.portal, "demo", "setup", "--companies",
                                                  str(COMPANIES), "--periods", "1", "--password",
                                                  DEMO_PASSWORD))
        yield running


def rows(cluster, party, query: str) -> list[tuple]:
    with psycopg.connect(party.env["DATABASE_URL"]) as conn:
        return conn.execute(query).fetchall()


def stored_submissions(cluster, i) -> set[str]:
    query = "SELECT submission_id FROM miner_store_submission"
    return {str(r[0]) for r in rows(cluster, cluster.miners[i], query)}


def complete_at_portal(cluster) -> set[str]:
    query = "SELECT submission_id FROM submissions_submission WHERE state = 'complete'"
    return {str(r[0]) for r in rows(cluster, cluster.portal, query)}


def miner_run_state(cluster, i, run_id) -> str:
    request = urllib.request.Request(f"{cluster.miners[i].url}/api/runs/{run_id}",
                                     headers={"Authorization": portal_header(cluster.secrets[i])})
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return json.loads(response.read())["state"]
    except OSError:
        return "unreachable"


def test_a_miner_killed_during_intake_leaves_no_submission_complete_that_it_lacks(cluster):
    submissions = synthetic.generate(COMPANIES, 1, seed=5, corrections=0)
    period = cluster.setup["periods"][0]["id"]
    members = [Member(cluster.portal.url, m["username"], DEMO_PASSWORD) for m in cluster.setup["members"]]
    for member in members:
        member.log_in()
    answers = {}

    def submit(k):
        answers[k] = members[k].submit(period, submissions[k].values)

    for k in range(3):  # all three miners up
        submit(k)
        assert answers[k]["complete"] is True
    first = [threading.Thread(target=submit, args=(k,)) for k in range(3, COMPANIES // 2)]
    for t in first:
        t.start()
    time.sleep(0.3)
    before_kill = stored_submissions(cluster, 2)
    cluster.kill_party(cluster.miners[2])  # SIGKILL, intakes possibly in flight
    for t in first:
        t.join(60)
    for k in range(COMPANIES // 2, COMPANIES):  # miner 2 down: every attempt fails
        submit(k)
        assert answers[k]["complete"] is False and answers[k]["receipts"] == [True, True, False]

    stored = [stored_submissions(cluster, i) for i in (0, 1)]
    cluster.start_party(cluster.miners[2])
    cluster.wait_until_up([cluster.miners[2]])
    stored.append(stored_submissions(cluster, 2))
    assert before_kill <= stored[2]  # nothing stored before the crash is lost
    complete = complete_at_portal(cluster)
    assert complete and all(complete <= s for s in stored)  # complete => stored by all three
    assert len(complete) == sum(a["complete"] for a in answers.values())

    for k in range(COMPANIES):  # back up: whoever is not complete submits again, and succeeds
        if not answers[k]["complete"]:
            assert members[k].submit(period, submissions[k].values)["complete"] is True
    assert len(complete_at_portal(cluster)) == COMPANIES


def test_a_miner_killed_during_an_analysis_fails_the_run_naming_it_and_a_restart_completes(cluster):
    period = cluster.setup["periods"][0]["id"]
    for attempt in range(4):  # a run takes about a second: on a busy machine it may end before the kill
        started = json.loads(cluster.manage(cluster.portal, "demo", "analyse", "--periods", str(period)))
        run_id, state = started["run"], "queued"
        deadline = time.monotonic() + 60
        while state in ("queued", "unreachable") and time.monotonic() < deadline:
            state = miner_run_state(cluster, 1, run_id)
            time.sleep(0.02)
        if state == "running":
            cluster.kill_party(cluster.miners[1], signal.SIGKILL)
        # the portal learns of the end from the miners' pushes, or polls them after
        # RUN_POLL_AFTER_SECONDS: the next attempt may start only once this run has ended
        failed = wait_for_run(cluster, run_id, timeout=240)
        assert failed["state"] in ("done", "failed"), f"attempt {attempt + 1} did not end: {failed}"
        if failed["state"] == "failed":
            break
        if state == "running":  # killed too late: up again for the next try
            cluster.start_party(cluster.miners[1])
            cluster.wait_until_up([cluster.miners[1]])
    assert failed["state"] == "failed", "miner 1 was never killed in the middle of a run"
    deadline = time.monotonic() + 30  # the first to report may name a peer that only saw it stop
    while "miner 2 (index 1)" not in failed["reason"] and time.monotonic() < deadline:
        time.sleep(1)
        failed = status(cluster, run_id)
    assert "miner 2 (index 1)" in failed["reason"], failed["reason"]  # the one killed, as people number it

    cluster.start_party(cluster.miners[1])
    cluster.wait_until_up([cluster.miners[1]])
    again = json.loads(cluster.manage(cluster.portal, "demo", "restart", "--run", run_id))
    finished = wait_for_run(cluster, again["run"], timeout=240)
    assert finished["state"] == "done", finished
    assert finished["results"]["indicators"]["employees"]["count"] >= COMPANIES - 1
