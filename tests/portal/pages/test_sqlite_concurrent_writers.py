"""The embedded default (SQLite) under simultaneous writers: no 5xx, and single use stays single.

Every portal endpoint that writes gets many simultaneous requests against a real server process
on a SQLite file (sqlite_server.py): "database is locked" shows only there, never in the in-memory
test database. Each request on its own connection, all released together by a barrier. Served by
uvicorn, as deployed. (tests/project/test_sqlite_under_concurrency.py does the token check and
progress pushes on runserver; this adds receipts, outputs, form starts and logins.)

Without the SQLite OPTIONS in settings.py these failed with 500 (two runs): token checks 8 and 14 of
48, receipts 2 and 0 of 10, progress pushes 15 and 14 of 18, form starts 17 and 19 of 25, logins 1
and 1 of 9; with WAL and the timeout but deferred transactions, still 15-21 of 48, 5 of 10, 8-15 of
18, 21 of 25.
"""

import json
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest

from .sqlite_server import PASSWORD, request, seed_database, serving

pytestmark = pytest.mark.timeout(90)

SAME_TOKEN_PER_MINER = 8  # simultaneous verifications of one token by one miner
RECEIPT_POSTS = 10
PUSHES_PER_MINER = 6
OUTPUTS_PER_MINER = 4
FORM_STARTS = 25  # beyond ACCESS_TOKENS_PER_USER_PER_HOUR (20 by default)
CSRF = "c" * 32  # an unmasked CSRF secret: the cookie and the form field or header carry the same


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """(port, seed, database path): one seeded server for the module, stopped at its end."""
    folder = tmp_path_factory.mktemp("sqlite-portal")
    database = folder / "portal.sqlite3"
    seed = seed_database(database)
    with serving(database, seed["miners"], folder / "server.log") as port:
        yield port, seed, database


def simultaneously(calls) -> list:
    """The results of `calls` (functions of no argument), all released at once."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls, timeout=60))


def assert_no_server_errors(results):
    errors = [status for status, *_ in results if status >= 500]
    assert not errors, f"{len(errors)} of {len(results)} requests failed with 5xx"


def query(database, sql, *params):
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        return db.execute(sql, params).fetchall()


def miner_auth(seed, i) -> dict:
    return {"Authorization": f"Miner {i} {seed['secrets'][i]}"}


def session_headers(session) -> dict:
    return {"Cookie": f"sessionid={session}; csrftoken={CSRF}", "X-CSRFToken": CSRF}


def test_simultaneous_verifications_of_one_token_give_one_valid_answer_per_miner(portal):
    port, seed, database = portal
    tokens = seed["tokens"][1:]  # the first is the receipts test's
    calls = [lambda body=body, i=i: (*request(port, "POST", "/api/miner/tokens/verify", body,
                                              miner_auth(seed, i)), body["token"], i)
             for body in tokens for i in range(3) for _ in range(SAME_TOKEN_PER_MINER)]
    results = simultaneously(calls)
    assert_no_server_errors(results)
    for body in tokens:
        for i in range(3):
            answers = [json.loads(raw) for status, raw, _h, token, miner in results
                       if token == body["token"] and miner == i]
            assert sum(a["valid"] for a in answers) == 1
            assert sorted(a.get("reason", "") for a in answers if not a["valid"]) == \
                ["used"] * (SAME_TOKEN_PER_MINER - 1)
        used = query(database, "select used_by_miner_0, used_by_miner_1, used_by_miner_2 from "
                               "submissions_accesstoken where form_id = ?", body["form"].replace("-", ""))
        assert used == [(1, 1, 1)]


def test_simultaneous_receipts_complete_the_submission_once(portal):
    port, seed, database = portal
    body = seed["receipts"]
    headers = session_headers(seed["sessions"]["rep"])
    results = simultaneously([lambda: request(port, "POST", "/submissions/receipts/", body, headers)
                              for _ in range(RECEIPT_POSTS)])
    assert_no_server_errors(results)
    assert [status for status, *_ in results] == [200] * RECEIPT_POSTS
    receipts = query(database, "select count(*) from submissions_receipt r join submissions_submission s "
                               "on r.submission_id = s.id where s.state = 'complete'")
    assert receipts == [(3,)]


def test_simultaneous_progress_and_outputs_pushes_finish_the_run_once(portal):
    port, seed, database = portal
    run = seed["run_id"]

    def push(i, what, body):
        return lambda: request(port, "POST", f"/api/miner/runs/{run}/{what}", body, miner_auth(seed, i))

    running = {"state": "running", "progress": 0.5, "step": "sorting"}
    results = simultaneously([push(i, "progress", running)
                              for i in range(3) for _ in range(PUSHES_PER_MINER)])
    assert_no_server_errors(results)
    assert {status for status, *_ in results} == {200}

    done = {"state": "done", "progress": 1.0, "step": "finished"}
    outputs = [(i, push(i, "outputs", seed["outputs"][i]))
               for i in range(3) for _ in range(OUTPUTS_PER_MINER)]
    progress = [(i, push(i, "progress", done)) for i in range(3) for _ in range(PUSHES_PER_MINER)]
    results = simultaneously([call for _i, call in outputs + progress])
    assert_no_server_errors(results)
    pushed = results[:len(outputs)]
    # Each miner's outputs are stored once (202; the same push again is 202 too) or arrive after the
    # run finished (409); at least one of each miner's arrives before that.
    assert {status for status, *_ in pushed} <= {202, 409}
    for i in range(3):
        assert 202 in [status for (miner, _call), (status, *_rest) in zip(outputs, pushed, strict=True)
                      if miner == i]
    assert {status for status, *_ in results[len(outputs):]} == {200}
    assert query(database, "select state from runs_analysisrun") == [("done",)]


def test_simultaneous_form_starts_issue_exactly_the_hourly_limit(portal):
    port, seed, database = portal
    path = f"/submissions/form/{seed['open_period']}/"
    body = urlencode({"csrfmiddlewaretoken": CSRF})
    headers = {"Cookie": f"sessionid={seed['sessions']['issuer']}; csrftoken={CSRF}"}
    results = simultaneously([lambda: request(port, "POST", path, body, headers) for _ in range(FORM_STARTS)])
    assert_no_server_errors(results)
    statuses = sorted(status for status, *_ in results)
    assert statuses == [200] * 20 + [302] * (FORM_STARTS - 20)  # 302: to the history, with the reason
    issued = query(database, "select count(*) from submissions_accesstoken where user_id = ?",
                   seed["issuer_id"])
    assert issued == [(20,)]


def test_simultaneous_logins_all_answer(portal):
    port, seed, _database = portal

    def login(username, password):
        body = urlencode({"csrfmiddlewaretoken": CSRF, "username": username, "password": password})
        return lambda: request(port, "POST", "/login/", body, {"Cookie": f"csrftoken={CSRF}"})

    right = [login(name, PASSWORD) for name in seed["logins"]]
    wrong = [login(seed["logins"][0], "wrong-password") for _ in range(3)]
    results = simultaneously(right + wrong)
    assert_no_server_errors(results)
    assert [status for status, *_ in results[:len(right)]] == [302] * len(right)
    assert [status for status, *_ in results[len(right):]] == [200] * len(wrong)
