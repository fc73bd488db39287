"""An annual period end to end through real processes: members submit over HTTP (tokens the portal
issues, shares to the three intakes, receipts back to the portal), staff start the analysis, the miners
compute it over the encrypted websocket peer channel, and the portal's reconstructed results equal
the plaintext computation of the generated figures. Then faults: a miner killed by a signal.
"""

import json
import time

import pytest

from consortium.localrun import plaintext, synthetic
from consortium.localrun.member import Member
from consortium.localrun.processes import Cluster

from .conftest import DEMO_PASSWORD

COMPANIES = 12
PERIODS = 3
RUN_SECONDS = 300


def status(cluster, run_id) -> dict:
    return json.loads(cluster.manage(cluster.portal, "demo", "status", "--run", run_id))


def wait_for_run(cluster, run_id, timeout=RUN_SECONDS) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        found = status(cluster, run_id)
        if found["state"] in ("done", "failed") or time.monotonic() > deadline:
            return found
        time.sleep(1)


def submit_all(cluster, setup, submissions) -> dict:
    members = {}
    outcomes = {}
    for s in submissions:
        if s.company not in members:
            members[s.company] = Member(cluster.portal.url, setup["members"][s.company]["username"],
                                        DEMO_PASSWORD)
            members[s.company].log_in()
        period = setup["periods"][s.period]["id"]
        outcomes[s.company, s.period] = members[s.company].submit(period, s.values)
    return outcomes


def fields_of(cluster, setup) -> dict:
    member = Member(cluster.portal.url, setup["members"][0]["username"], DEMO_PASSWORD)
    member.log_in()
    config = member.open_form(setup["periods"][-1]["id"])
    return {f["code"]: f for f in config["fields"]}


def analyse_one_period(cluster, companies: int, seed: int, logs=None) -> list:
    """A fresh period: `companies` members submit through the miners, staff analyse it; the differences
    between the portal's results and the plaintext computation (numpy), [] when equal. `logs()` names what
    to show when the run fails (default: the miners' logs)."""
    setup = json.loads(cluster.manage(cluster.portal, "demo", "setup", "--companies", str(companies),
                                      "--periods", "1", "--password", DEMO_PASSWORD))
    submissions = synthetic.generate(companies, 1, seed=seed)
    assert all(o["complete"] for o in submit_all(cluster, setup, submissions).values())  # receipts checked
    fields = fields_of(cluster, setup)  # while the period is open: the analysis closes it
    period = setup["periods"][0]["id"]
    run = json.loads(cluster.manage(cluster.portal, "demo", "analyse", "--periods", str(period)))["run"]
    finished = wait_for_run(cluster, run)
    assert finished["state"] == "done", (finished, logs() if logs else [cluster.log_tail(m)
                                                                         for m in cluster.miners])
    table = {(str(c), period): s.values for (c, p), s in synthetic.counting(submissions).items()}
    names = sorted({str(s.company) for s in submissions})
    return plaintext.compare(finished["results"],
                             plaintext.expected(finished["request"], fields, table, names, [period]))


@pytest.fixture(scope="module")
def cluster(services, tmp_path_factory):
    with Cluster(tmp_path_factory.mktemp("cluster"), services) as running:
        yield running


@pytest.fixture(scope="module")
def consortium(cluster):
    setup = json.loads(cluster.manage(cluster.portal, "demo", "setup", "--companies", str(COMPANIES),
                                      "--periods", str(PERIODS), "--password", DEMO_PASSWORD))
    return setup


def test_an_annual_period_end_to_end_equals_the_plaintext(cluster, consortium):
    submissions = synthetic.generate(COMPANIES, PERIODS, seed=11)
    outcomes = submit_all(cluster, consortium, submissions)
    assert all(o["complete"] for o in outcomes.values()), outcomes

    period_ids = [p["id"] for p in consortium["periods"]]
    fields = fields_of(cluster, consortium)  # while the period is open
    started = json.loads(cluster.manage(cluster.portal, "demo", "analyse", "--periods",
                                        *map(str, period_ids)))
    finished = wait_for_run(cluster, started["run"])
    assert finished["state"] == "done", (finished, [cluster.log_tail(m) for m in cluster.miners])
    assert all(m["state"] == "done" for m in finished["miners"].values())

    table = {(str(c), period_ids[p]): s.values for (c, p), s in synthetic.counting(submissions).items()}
    companies = sorted({str(s.company) for s in submissions if s.period == PERIODS - 1})
    plain = plaintext.expected(finished["request"], fields, table, companies,
                               period_ids)
    results = finished["results"]
    assert not any(e["suppressed"] for group in ("indicators", "ratios", "time_series")
                   for e in results[group].values())  # every value was compared, none hidden
    assert results["indicators"]["employees"]["rejected"] >= 1  # the generator's out-of-range figures
    assert plaintext.compare(results, plain) == []
