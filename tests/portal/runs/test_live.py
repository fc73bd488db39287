"""Live progress: the websocket (staff only) pushes each update; the status JSON is the polling fallback.
The websocket keeps the session limits of HTTP (security review L1): an idle or too old session is
refused, and an open socket closes at the first update after log-out or expiry."""

import datetime as dt
import json
import time

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from asgiref.testing import ApplicationCommunicator
from django.core.cache import cache
from django.utils import timezone

from consortium.asgi import application
from consortium.portal.runs import actions, tasks
from consortium.portal.runs.models import AnalysisRun, MinerRunState
from tests.portal.fake_miners import make_member, make_period, make_staff, make_submission


class Websocket(ApplicationCommunicator):
    """channels.testing.WebsocketCommunicator without its package, whose __init__ needs daphne."""

    def __init__(self, path, cookie=None, origin="http://localhost"):
        headers = [(b"origin", origin.encode())]
        if cookie:
            headers.append((b"cookie", cookie.encode()))
        super().__init__(application, {"type": "websocket", "path": path, "query_string": b"",
                                       "headers": headers, "subprotocols": []})

    async def connect(self):
        await self.send_input({"type": "websocket.connect"})
        answer = await self.receive_output(2)
        return answer["type"] == "websocket.accept", answer.get("code")

    async def receive_json(self):
        message = await self.receive_output(2)
        assert message["type"] == "websocket.send", message
        return json.loads(message["text"])


@pytest.fixture(autouse=True)
def keep_the_test_connection(monkeypatch):
    # channels closes "old" connections around each database call; inside a test's transaction
    # (PostgreSQL) that would close the test's own connection. Deployed, it is what it should do.
    monkeypatch.setattr("channels.db.close_old_connections", lambda: None)


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()  # the poll throttle lives in the cache
    yield
    cache.clear()


@pytest.fixture
def run(db, fake):
    period = make_period("2026 H1", dt.date(2026, 6, 30))
    make_submission(*make_member("Member"), period)
    run = tasks.start_run(period, make_staff())
    run.fake = fake
    return run


def session_cookie(client) -> str:
    return f"sessionid={client.cookies['sessionid'].value}"


def test_staff_receive_the_status_then_each_progress_push(run, staff_user, client_for,
                                                         django_capture_on_commit_callbacks):
    cookie = session_cookie(client_for(staff_user))

    def push():
        with django_capture_on_commit_callbacks(execute=True):
            body = {"state": "running", "progress": 0.6, "step": "sorting"}
            actions.do_record_progress(run.run_id, 1, body)

    async def scenario():
        ws = Websocket(f"/ws/runs/{run.run_id}/", cookie)
        connected, _ = await ws.connect()
        assert connected
        first = await ws.receive_json()
        await sync_to_async(push)()
        update = await ws.receive_json()
        await ws.send_input({"type": "websocket.disconnect", "code": 1000})
        return first, update

    first, update = async_to_sync(scenario)()
    assert first["run_id"] == str(run.run_id) and first["state"] == "running"
    assert first["miners"][1]["state"] == "waiting"
    assert update["miners"][1] | {"state_label": None} == {
        "miner": 1, "state": "running", "state_label": None, "progress": 0.6, "step": "sorting", "error": "",
        "outputs_received": False}
    assert update["progress"] == pytest.approx(0.2)


@pytest.mark.parametrize("persona", [None, "rep_a", "board_user"])
def test_anyone_but_staff_is_refused(run, client_for, request, persona):
    cookie = session_cookie(client_for(request.getfixturevalue(persona))) if persona else None

    async def scenario():
        return await Websocket(f"/ws/runs/{run.run_id}/", cookie).connect()

    assert async_to_sync(scenario)() == (False, 4403)


def test_staff_who_have_not_passed_the_second_factor_are_refused(run, staff_user, client):
    client.force_login(staff_user, backend="django.contrib.auth.backends.ModelBackend")

    async def scenario():
        return await Websocket(f"/ws/runs/{run.run_id}/", session_cookie(client)).connect()

    assert async_to_sync(scenario)() == (False, 4403)


def test_another_sites_page_cannot_open_the_stream(run, staff_user, client_for):
    cookie = session_cookie(client_for(staff_user))

    async def scenario():
        return await Websocket(f"/ws/runs/{run.run_id}/", cookie, origin="https://evil.example").connect()

    assert async_to_sync(scenario)()[0] is False


def test_the_polling_fallback_gives_the_same_status(run, staff_user, client_for):
    actions.do_record_progress(run.run_id, 0, {"state": "running", "progress": 0.3, "step": "validating"})
    response = client_for(staff_user).get(f"/analyses/{run.run_id}/status.json")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    body = response.json()
    assert body["state"] == "running" and body["finished"] is False
    assert body["miners"][0]["step"] == "validating" and body["progress"] == pytest.approx(0.1)


@pytest.mark.parametrize("persona", ["rep_a", "board_user"])
def test_the_polling_fallback_is_for_staff_only(run, client_for, request, persona):
    response = client_for(request.getfixturevalue(persona)).get(f"/analyses/{run.run_id}/status.json")
    assert response.status_code == 403


def test_when_pushes_stop_the_portal_asks_the_miners_itself(run, staff_user, client_for, settings):
    settings.RUN_POLL_AFTER_SECONDS = 30
    client = client_for(staff_user)
    client.get(f"/analyses/{run.run_id}/status.json")
    assert run.fake.polls == []  # just started: the miners' pushes are expected

    AnalysisRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - dt.timedelta(seconds=31))
    run.fake.progress[2] = {"state": "failed", "progress": 0.4, "step": "sorting",
                            "error": "peer 0 unreachable"}
    body = client.get(f"/analyses/{run.run_id}/status.json").json()
    assert sorted(run.fake.polls) == [0, 1, 2]
    assert body["state"] == "failed" and body["error"] == "Miner 3 reported a failure: peer 0 unreachable"


def test_the_miners_are_asked_at_most_once_per_interval(run, staff_user, client_for):
    AnalysisRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    client = client_for(staff_user)
    client.get(f"/analyses/{run.run_id}/status.json")
    MinerRunState.objects.filter(run=run).update(updated_at=timezone.now() - dt.timedelta(hours=1))
    client.get(f"/analyses/{run.run_id}/status.json")
    assert sorted(run.fake.polls) == [0, 1, 2]
    assert MinerRunState.objects.get(run=run, miner=1).step == "sorting"


# --- session limits ------------------------------------------------------------------------------

HOUR = 3600


def aged(client, started_ago, seen_ago):
    session = client.session
    session["session_started_at"] = time.time() - started_ago
    session["session_seen_at"] = time.time() - seen_ago
    session.save()
    return client


def connect(run, client):
    async def scenario():
        return await Websocket(f"/ws/runs/{run.run_id}/", session_cookie(client)).connect()

    return async_to_sync(scenario)()


@pytest.mark.parametrize(("started_ago", "seen_ago"), [(5 * HOUR, 31 * 60), (12 * HOUR + 60, 60)],
                         ids=["idle-31-minutes", "older-than-12-hours"])
def test_a_stale_session_is_refused_as_over_http(run, staff_user, client_for, started_ago, seen_ago):
    client = aged(client_for(staff_user), started_ago, seen_ago)
    assert connect(run, client) == (False, 4403)
    response = client.get(f"/analyses/{run.run_id}/status.json")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_session_within_its_limits_connects(run, staff_user, client_for):
    client = aged(client_for(staff_user), 11 * HOUR, 29 * 60)
    assert connect(run, client) == (True, None)


@pytest.fixture
def push_then_receive(run, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    return lambda client, between: _push_then_receive(run, client, between, capture)


def _push_then_receive(run, client, between, on_commit):
    """Connect, then `between(client)` (synchronously), then one progress push: the socket's answer."""
    def push():
        between(client)
        with on_commit(execute=True):
            body = {"state": "running", "progress": 0.6, "step": "sorting"}
            actions.do_record_progress(run.run_id, 1, body)

    async def scenario():
        ws = Websocket(f"/ws/runs/{run.run_id}/", session_cookie(client))
        assert (await ws.connect())[0]
        await ws.receive_json()
        await sync_to_async(push)()
        return await ws.receive_output(2)

    return async_to_sync(scenario)()


def test_an_open_socket_keeps_streaming_while_the_session_is_fresh(staff_user, client_for, push_then_receive):
    message = push_then_receive(client_for(staff_user), lambda client: None)
    assert message["type"] == "websocket.send"


def test_an_open_socket_closes_after_log_out(staff_user, client_for, push_then_receive):
    message = push_then_receive(client_for(staff_user), lambda client: client.logout())
    assert message["type"] == "websocket.close" and message["code"] == 4403


def test_an_open_socket_closes_once_the_session_is_idle(staff_user, client_for, push_then_receive):
    message = push_then_receive(client_for(staff_user), lambda client: aged(client, HOUR, 31 * 60))
    assert message["type"] == "websocket.close" and message["code"] == 4403
