"""Logs as JSON lines and metrics, through a whole collection on real processes (the embedded default:
the portal and three miners, each a uvicorn process): every log line parses, the counters moved as the
collection did, and no token, share, figure, secret or password appears in any party's log output (at
LOG_LEVEL=DEBUG, the most an operator can turn on) or in its metrics."""

import json
import re
import urllib.request

import pytest

from consortium.contract import figures
from consortium.localrun import member as member_module
from consortium.localrun import synthetic
from consortium.localrun.processes import Cluster, private_key_b64
from tests.metrics_scrape import TOKEN, samples, value

from .conftest import DEMO_PASSWORD
from .test_whole_system import fields_of, submit_all, wait_for_run

COMPANIES = 5


@pytest.fixture(scope="module", params=["embedded", "services"])
def cluster(request, tmp_path_factory):
    """The embedded default (each miner one uvicorn process that also runs the runs), and PostgreSQL +
    Redis (each party a uvicorn process and a Celery worker, where a miner's runs and peer channel are:
    their counts reach the web process's /metrics through the party's PROMETHEUS_MULTIPROC_DIR)."""
    services = request.getfixturevalue("services") if request.param == "services" else None
    directory = tmp_path_factory.mktemp(request.param)
    env = {"LOG_FORMAT": "json", "METRICS_TOKEN": TOKEN}
    running = Cluster(directory, services, log_level="DEBUG", extra_env=env)
    if services:
        for party in running.parties:
            (directory / f"{party.name}-metrics").mkdir()
            party.env["PROMETHEUS_MULTIPROC_DIR"] = str(directory / f"{party.name}-metrics")
    with running:
        yield running


@pytest.fixture(scope="module")
def collection(cluster):
    """A period collected and analysed; what went over the wire that must never be logged or counted."""
    sent = []
    real = member_module.share_bodies

    def recording(token, period, form, fields, values, bits):
        bodies = real(token, period, form, fields, values, bits)
        sent.append((token, bodies, [(f, values.get(f["code"]), bits) for f in fields]))
        return bodies

    member_module.share_bodies = recording
    try:
        setup = json.loads(cluster.manage(cluster.portal, "demo", "setup", "--companies", str(COMPANIES),
                                          "--periods", "1", "--password", DEMO_PASSWORD))
        submissions = synthetic.generate(COMPANIES, 1, seed=5, corrections=0)
        outcomes = submit_all(cluster, setup, submissions)
        fields_of(cluster, setup)
    finally:
        member_module.share_bodies = real
    assert all(o["complete"] for o in outcomes.values()), outcomes
    period = setup["periods"][0]["id"]
    run = json.loads(cluster.manage(cluster.portal, "demo", "analyse", "--periods", str(period)))["run"]
    finished = wait_for_run(cluster, run)
    assert finished["state"] == "done", (finished, [cluster.log_tail(m) for m in cluster.miners])
    return sent, finished


def secrets_of(cluster, sent) -> set[str]:
    found = {DEMO_PASSWORD, TOKEN, *cluster.secrets, *(private_key_b64(k) for k in cluster.keys)}
    for token, bodies, given in sent:
        found.add(token)
        for body in bodies:
            found.update(body["values"].values())
            found.update(body["submitted"].values())
        for field, raw, bits in given:
            if raw not in (None, ""):
                found.update({raw, str(figures.encode(raw, field.get("scale", 0), bits))})
    # digits: a short number (a flag share of 7, 12 employees) also stands for a port, a count or a time
    return {s for s in found if not s.isdigit() or len(s.lstrip("0")) >= 5}


def scrape(party) -> str:
    request = urllib.request.Request(party.url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our own loopback URL
        return response.read().decode()


# A log record in a plain format: Django's and Python's (`LEVEL:logger:`), uvicorn's (`LEVEL:  `), Celery's
# (`[2026-12-05 01:02:03,456: LEVEL/MainProcess]`).
LEVELS = "(?:DEBUG|INFO|WARNING|ERROR|CRITICAL)"
PLAIN_RECORD = re.compile(rf"^(?:{LEVELS}:|\[\d{{4}}-\d\d-\d\d [^]]*: {LEVELS}/)")


def test_every_log_record_is_a_json_line(cluster, collection):
    """Every record, the web process's, the worker's and Python's warnings. (Only the Celery worker's
    start-up banner, printed to standard output before it logs anything, is not a record.)"""
    for party in cluster.parties:
        lines = [line for line in (cluster.directory / f"{party.name}.log").read_text().splitlines() if line]
        records = [json.loads(line) for line in lines if line.startswith("{")]
        assert records, party.name
        assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
        assert [line for line in lines if PLAIN_RECORD.match(line)] == [], party.name
        if len(party.processes) == 1:  # no worker: every line is a record
            assert len(records) == len(lines), party.name


def test_no_secret_share_or_figure_in_any_log_or_metric(cluster, collection):
    sent, _finished = collection
    secret = secrets_of(cluster, sent)
    assert len(secret) > 10 * COMPANIES  # tokens, shares and figures were recorded
    pattern = re.compile("|".join(rf"(?<![0-9A-Za-z_-]){re.escape(s)}(?![0-9A-Za-z_-])" for s in secret))
    for party in cluster.parties:
        for what, text in (("log", (cluster.directory / f"{party.name}.log").read_text()),
                           ("metrics", scrape(party))):
            leaked = pattern.search(text)
            assert leaked is None, f"{party.name}'s {what} shows {leaked[0]!r}"


def test_the_counters_moved_as_the_collection_did(cluster, collection):
    sent, _finished = collection
    portal = samples(scrape(cluster.portal))
    assert value(portal, "consortium_portal_submissions_total", outcome="complete") == len(sent)
    assert value(portal, "consortium_portal_runs", state="done") == 1
    for i, miner in enumerate(cluster.miners):
        assert value(portal, "consortium_portal_token_verifications_total", miner=str(i),
                     answer="valid") == len(sent)
        found = samples(scrape(miner))
        assert value(found, "consortium_miner_intakes_accepted_total") == len(sent)
        assert value(found, "consortium_miner_runs", state="done") == 1
        assert value(found, "consortium_miner_run_duration_seconds_count", outcome="done") == 1
        assert value(found, "consortium_miner_run_rounds_total") > 100  # an annual period's analyses
        for peer in {0, 1, 2} - {i}:
            assert value(found, "consortium_miner_peer_round_trip_seconds_count", peer=str(peer)) >= 1
        assert value(found, "consortium_http_requests_total", method="POST", route="api/shares",
                     status="201") == len(sent)
