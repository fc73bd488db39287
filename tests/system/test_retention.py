"""Retention on real processes (the embedded default: SQLite each, no broker): members submit to two
periods, the first is analysed and its report published; 31 days later (the publication moved back in
time) cron's `manage.py purge_expired_shares` has the three miners delete its shares. Then no share row
of that period remains at any miner, the other period's are all there, each receipt verified at the
portal, and a new run of the period fails with a clear message, at the portal and at every miner."""

import json
import urllib.error
import urllib.request
import uuid

import pytest

from consortium.localrun import synthetic
from consortium.localrun.processes import Cluster

from .conftest import DEMO_PASSWORD
from .test_whole_system import submit_all, wait_for_run

COMPANIES = 6
NO_SECOND_FACTOR = {"REQUIRE_2FA_FOR_STAFF": "false", "REQUIRE_2FA_FOR_BOARD": "false"}

# On a miner: the rows of the share store, per period (raw SQL: every row, whatever the models say).
MINER_ROWS = """
import json
from django.db import connection
with connection.cursor() as c:
    c.execute("SELECT m.period, COUNT(DISTINCT m.id), COUNT(s.id) FROM miner_store_submission m "
              "LEFT JOIN miner_store_share s ON s.submission_id = m.id GROUP BY m.period")
    periods = {str(p): [n, k] for p, n, k in c.fetchall()}
    c.execute("SELECT COUNT(*) FROM miner_store_share")
    shares = c.fetchone()[0]
    c.execute("SELECT period, submissions FROM miner_store_periodpurge")
    purged = {str(p): n for p, n in c.fetchall()}
print(json.dumps({"periods": periods, "shares": shares, "purged": purged}))
"""

PUBLISH_A_MONTH_AGO = """
import datetime, json
from django.utils import timezone
from consortium.portal.accounts.models import User
from consortium.portal.reports.actions import do_publish
from consortium.portal.reports.models import Report
report = do_publish(Report.objects.get(run__run_id="{run}"), User.objects.get(username="demo-board"))
Report.objects.filter(pk=report.pk).update(published_at=timezone.now() - datetime.timedelta(days=31))
print(json.dumps({{"report": report.pk}}))
"""

RECEIPT_DIGESTS = """
import json
from consortium.portal.submissions.models import Receipt
found = {}
for period, miner, digest in Receipt.objects.filter(verified=True).values_list(
        "submission__period_id", "miner", "digest"):
    found.setdefault(str(period), [[], [], []])[miner].append(digest)
print(json.dumps(found))
"""

CHECKPOINT = """
from django.db import connection
with connection.cursor() as c:
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    print(list(c.fetchone()))
"""

PORTAL_DELETIONS = """
import json
from consortium.portal.retention.models import MinerDeletion
print(json.dumps([[d.miner, d.state, d.submissions, d.receipt] for d in
                  MinerDeletion.objects.filter(period_id={period}).order_by("miner")]))
"""


def shell(cluster, party, code):
    """What `code`, run by `manage.py shell` in the party's settings, printed last (one JSON line)."""
    return json.loads(cluster.manage(party, "shell", "--no-imports", "-c", code).strip().splitlines()[-1])


def miner_rows(cluster, i) -> dict:
    return shell(cluster, cluster.miners[i], MINER_ROWS)


def database_bytes(cluster, i) -> bytes:
    """Miner i's SQLite database as it is on disk: the file and its write-ahead log."""
    base = cluster.directory / f"{cluster.miners[i].name}.sqlite3"
    return b"".join(p.read_bytes() for p in (base, base.with_name(base.name + "-wal")) if p.exists())


def post_run(cluster, i, request) -> tuple[int, dict]:
    body = json.dumps({**request, "run_id": str(uuid.uuid4())}).encode()
    call = urllib.request.Request(cluster.miners[i].url + "/api/runs", data=body, method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Portal {cluster.secrets[i]}"})
    try:
        with urllib.request.urlopen(call, timeout=10) as response:  # noqa: S310 - our own loopback URL
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with Cluster(tmp_path_factory.mktemp("retention"), extra_env=NO_SECOND_FACTOR) as running:
        yield running


@pytest.fixture(scope="module")
def purged(cluster):
    """Two periods submitted; the first analysed, published 31 days ago and purged by cron's command."""
    setup = json.loads(cluster.manage(cluster.portal, "demo", "setup", "--companies", str(COMPANIES),
                                      "--periods", "2", "--password", DEMO_PASSWORD))
    assert all(o["complete"] for o in submit_all(cluster, setup, synthetic.generate(COMPANIES, 2, seed=5))
               .values())
    first, second = (str(p["id"]) for p in setup["periods"])
    before = [miner_rows(cluster, i) for i in range(3)]
    digests = shell(cluster, cluster.portal, RECEIPT_DIGESTS)
    for i in range(3):  # the rows into the database file itself, as a busy miner's are (not only in its WAL)
        shell(cluster, cluster.miners[i], CHECKPOINT)
    on_disk = [database_bytes(cluster, i) for i in range(3)]
    for i in range(3):  # what the test looks for below is there before the purge
        assert all(d.encode() in on_disk[i] for p in (first, second) for d in digests[p][i])
    run = json.loads(cluster.manage(cluster.portal, "demo", "analyse", "--periods", first))["run"]
    finished = wait_for_run(cluster, run)
    assert finished["state"] == "done", finished
    shell(cluster, cluster.portal, PUBLISH_A_MONTH_AGO.format(run=run))
    done = json.loads(cluster.manage(cluster.portal, "purge_expired_shares"))
    return {"setup": setup, "first": first, "second": second, "before": before, "done": done,
            "request": finished["request"], "digests": digests}


def test_no_share_of_the_purged_period_remains_at_any_miner(cluster, purged):
    first, second = purged["first"], purged["second"]
    assert purged["done"] == {"requested": [int(first)], "unconfirmed": []}
    for i in range(3):
        before, after = purged["before"][i], miner_rows(cluster, i)
        assert before["periods"][first][0] >= COMPANIES - 1 and before["periods"][first][1] > 0  # were there
        assert first not in after["periods"]
        assert after["periods"][second] == before["periods"][second]  # the other period is untouched
        assert after["shares"] == after["periods"][second][1]  # no share row left without its submission
        assert after["purged"] == {first: before["periods"][first][0]}
    for i in range(3):  # nor their bytes in the database file: zeroed (secure_delete), the WAL emptied
        on_disk = database_bytes(cluster, i)
        assert not [d for d in purged["digests"][first][i] if d.encode() in on_disk]
        assert all(d.encode() in on_disk for d in purged["digests"][second][i])
    deletions = shell(cluster, cluster.portal, PORTAL_DELETIONS.format(period=first))
    assert [(m, state) for m, state, _n, _r in deletions] == [(0, "deleted"), (1, "deleted"), (2, "deleted")]
    assert [n for _m, _s, n, _r in deletions] == [purged["before"][i]["periods"][first][0] for i in range(3)]


def test_a_new_run_of_the_purged_period_fails_with_a_clear_message(cluster, purged):
    with pytest.raises(RuntimeError, match="were deleted at the miners on .* it can no longer be analysed"):
        cluster.manage(cluster.portal, "demo", "analyse", "--periods", purged["first"])
    for i in range(3):
        code, body = post_run(cluster, i, purged["request"])
        assert code == 410
        assert body["detail"].startswith(f"The shares of period {purged['first']} were deleted on ")
    # a second purge (the portal's retry) changes nothing and gets the same receipt
    assert json.loads(cluster.manage(cluster.portal, "purge_expired_shares")) == {"requested": [],
                                                                                  "unconfirmed": []}


def log_in_as_staff(page, cluster, username):
    page.goto(cluster.portal.url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")


def status_url(cluster, period) -> str:
    return f"{cluster.portal.url}/admin/periods/collectionperiod/{period}/status/"


def test_the_status_page_shows_each_miners_receipt(cluster, purged):
    from tests.browser import launch, require_chromium

    from .browser_session import shoot

    sync_api, chromium = require_chromium()
    with sync_api.sync_playwright() as p:
        browser = launch(p, chromium)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            log_in_as_staff(page, cluster, purged["setup"]["staff"])
            page.goto(status_url(cluster, purged["first"]))
            for n in (1, 2, 3):
                card = page.locator(f"#deletion-{n}").inner_text()
                assert "deleted" in card and "signed receipt verified" in card, card
            shoot(page, "retention-status-deleted")
            page.goto(status_url(cluster, purged["second"]))
            assert "until its report has been published" in page.locator("#retention-kept").inner_text()
        finally:
            browser.close()


def test_staff_delete_sooner_and_retry_a_miner_that_was_down(cluster, purged):
    """The second period, published today: staff delete its shares from the status page while Miner 3 is
    stopped; the page shows it not confirmed, and "Retry now" once it is back completes the deletion."""
    from tests.browser import launch, require_chromium

    from .browser_session import shoot

    sync_api, chromium = require_chromium()
    second = purged["second"]
    run = json.loads(cluster.manage(cluster.portal, "demo", "analyse", "--periods", second))["run"]
    assert wait_for_run(cluster, run)["state"] == "done"
    shell(cluster, cluster.portal, PUBLISH_A_MONTH_AGO.format(run=run).replace("days=31", "days=0"))
    stopped = cluster.miners[2]
    cluster.stop_party(stopped)
    try:
        with sync_api.sync_playwright() as p:
            browser = launch(p, chromium)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                log_in_as_staff(page, cluster, purged["setup"]["staff"])
                page.goto(status_url(cluster, second))
                assert "(30 days later)" in page.locator("#retention-kept").inner_text()
                page.locator("#retention").scroll_into_view_if_needed()
                shoot(page, "retention-status-kept", full_page=False)
                with page.expect_navigation():
                    page.click("text=Delete the shares now")
                assert "Deletion is final" in page.locator("#retention-confirm").inner_text()
                shoot(page, "retention-confirm")
                with page.expect_navigation():
                    page.click("#retention-confirm input[type=submit]")
                assert page.url == status_url(cluster, second)
                third = page.locator("#deletion-3").inner_text()
                assert "not confirmed" in third and "connection refused" in third, third
                assert "deleted" in page.locator("#deletion-1").inner_text()
                shoot(page, "retention-status-miner-down")
                assert miner_rows(cluster, 0)["periods"].get(second) is None
                cluster.start_party(stopped)
                cluster.wait_until_up([stopped])
                assert miner_rows(cluster, 2)["periods"][second][0] >= COMPANIES - 1  # still there meanwhile
                with page.expect_navigation():
                    page.click("text=Retry now")
                assert "signed receipt verified" in page.locator("#deletion-3").inner_text()
                assert page.locator("text=Retry now").count() == 0
            finally:
                browser.close()
    finally:
        if not stopped.processes:
            cluster.start_party(stopped)
    for i in range(3):
        assert second not in miner_rows(cluster, i)["periods"]
    assert miner_rows(cluster, 2)["shares"] == 0
