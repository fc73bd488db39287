"""miners.intake.token_checks: the token checks of concurrent submissions go to the portal together, each
waiter gets its own answer, and none waits longer than the portal's time-out."""

import threading
import time

import pytest
from django.test import override_settings

from miners.intake.token_checks import TokenChecks, token_checks
from miners.portal import Portal, PortalUnavailable

from .intake_helpers import FIELDS, PERIOD


def ask(portal_at, checks, start_after=0.1):
    """Each (token, form) checked on its own thread; the first alone, the others `start_after` seconds
    later (while the first is at the portal). Returns each one's answer or exception, in order."""
    outcomes = [None] * len(checks)

    def one(k):
        token, form = checks[k]
        try:
            outcomes[k] = token_checks.verify(portal_at, token, PERIOD, form)
        except PortalUnavailable as exc:
            outcomes[k] = exc

    threads = [threading.Thread(target=one, args=(k,)) for k in range(len(checks))]
    threads[0].start()
    time.sleep(start_after)
    for thread in threads[1:]:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def staggered(one, delays):
    """one(k) on a thread of its own, started delays[k] seconds from now; returns once all are done."""
    def after(k):
        time.sleep(delays[k])
        one(k)

    threads = [threading.Thread(target=after, args=(k,)) for k in range(len(delays))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)


def check_from_thread(token, shares):
    """token_checks.check on a thread of a transactional test: its outcome, or the refusal it raised."""
    from django.db import connections

    from miners.intake.actions import TokenUsed

    try:
        return token_checks.check(Portal.from_settings(), token, shares)
    except (TokenUsed, PortalUnavailable) as exc:
        return exc
    finally:
        connections.close_all()


def slow_look_up(monkeypatch, call, seconds):
    """The store's look-up number `call` (from 1) takes `seconds` longer (a slow pooled connection)."""
    from miners.intake import actions

    real_look_up, calls = actions.look_up_many, []

    def look_up(submissions):
        calls.append(len(submissions))
        if len(calls) == call:
            time.sleep(seconds)
        return real_look_up(submissions)

    monkeypatch.setattr(actions, "look_up_many", look_up)


def issue(portal, count):
    return [portal.issue(PERIOD, 32, FIELDS) for _ in range(count)]


def test_checks_that_wait_together_go_in_one_request_each_with_its_own_answer(portal):
    portal.delay = 0.3
    issued = issue(portal, 8)
    answers = ask(Portal.from_settings(), [(token, form) for token, form, _sid in issued])
    assert portal.verify_requests == [1, 7]
    assert [a["submission_id"] for a in answers] == [sid for _t, _f, sid in issued]
    assert all(a["valid"] for a in answers)


def test_a_request_carries_at_most_the_batch_size(portal):
    portal.delay = 0.2
    issued = issue(portal, 8)
    with override_settings(MINER_TOKEN_BATCH_MAX=3):
        answers = ask(Portal.from_settings(), [(token, form) for token, form, _sid in issued])
    assert portal.verify_requests == [1, 3, 3, 1]
    assert [a["submission_id"] for a in answers] == [sid for _t, _f, sid in issued]


def test_a_batch_size_of_one_sends_every_check_alone(portal):
    portal.delay = 0.2
    issued = issue(portal, 4)
    with override_settings(MINER_TOKEN_BATCH_MAX=1):
        answers = ask(Portal.from_settings(), [(token, form) for token, form, _sid in issued])
    assert portal.verify_requests == [1, 1, 1, 1]
    assert all(a["valid"] for a in answers)


def test_checks_queued_behind_a_slow_portal_give_up_at_their_own_deadline(portal):
    """The first check is at a slow portal; the ones queued behind it give up at their own deadline (their
    batch's request waits no longer), and the next check after that is answered as usual."""
    portal.delay = 0.8
    issued = issue(portal, 4)
    started = time.monotonic()
    with override_settings(PORTAL_TIMEOUT_SECONDS=0.5):
        outcomes = ask(Portal.from_settings(), [(token, form) for token, form, _sid in issued[:3]])
    assert time.monotonic() - started < 0.9
    assert all(isinstance(o, PortalUnavailable) and str(o) == "timeout" for o in outcomes)
    portal.delay = 0.0
    token, form, sid = issued[3]
    assert token_checks.verify(Portal.from_settings(), token, PERIOD, form)["submission_id"] == sid


def test_a_check_whose_deadline_passed_in_the_queue_is_never_sent(portal, monkeypatch):
    portal.delay = 0.3
    issued = issue(portal, 3)
    real_monotonic, real_verify, sent = time.monotonic, Portal.verify_tokens, []

    def verify_tokens(self, checks):
        sent.append(len(checks))
        return real_verify(self, checks)

    monkeypatch.setattr(Portal, "verify_tokens", verify_tokens)
    # Each batch is taken a whole second "later" than its checks were asked: their deadlines passed.
    taking, real_take = threading.local(), TokenChecks._take_batch

    def take_batch_late(self):
        taking.late = True
        try:
            return real_take(self)
        finally:
            taking.late = False

    monkeypatch.setattr(TokenChecks, "_take_batch", take_batch_late)
    monkeypatch.setattr("miners.intake.token_checks.time.monotonic",
                        lambda: real_monotonic() + (1.0 if getattr(taking, "late", False) else 0.0))
    with override_settings(PORTAL_TIMEOUT_SECONDS=0.6):
        outcomes = ask(Portal.from_settings(), [(token, form) for token, form, _sid in issued])
    assert all(isinstance(o, PortalUnavailable) for o in outcomes)
    assert sent == []


@pytest.mark.parametrize("mangle", [lambda results: results[:-1], lambda results: [*results[:-1], "valid"]])
def test_a_batch_answer_without_one_object_per_check_fails_every_check(portal, mangle):
    portal.delay = 0.2
    portal.batch_answer = mangle
    issued = issue(portal, 3)
    outcomes = ask(Portal.from_settings(), [(token, form) for token, form, _sid in issued])
    assert isinstance(outcomes[0], dict) and outcomes[0]["valid"]  # the first went alone
    assert all(isinstance(o, PortalUnavailable) for o in outcomes[1:])
    assert "token" not in str(outcomes[1]).lower() or issued[1][0] not in str(outcomes[1])


@pytest.mark.django_db
def test_no_pooled_database_connection_is_held_while_the_portal_is_asked(client, portal, monkeypatch):
    """With a pool (PostgreSQL), the request gives its connection back before it waits for the portal."""
    from django.db import connections

    connection = connections["default"]
    from .intake_helpers import body_for, post

    events = []
    if getattr(connection, "pool", None) is None:  # SQLite: as if it had one (PostgreSQL: the real pool)
        monkeypatch.setattr(connection, "pool", object(), raising=False)
    monkeypatch.setattr(connection, "in_atomic_block", False)
    monkeypatch.setattr(connection, "close", lambda: events.append("connection given back"))
    real_verify = Portal.verify_tokens

    def verify_tokens(self, checks):
        events.append("portal asked")
        return real_verify(self, checks)

    monkeypatch.setattr(Portal, "verify_tokens", verify_tokens)
    token, form, _sid = portal.issue(PERIOD, 32, FIELDS)
    assert post(client, body_for(token, form)).status_code == 201
    assert events[:2] == ["connection given back", "portal asked"]


def test_many_checks_at_once_each_get_their_own_answer_and_each_token_goes_once(portal):
    """48 threads at once, batches of at most 5: every waiter gets the answer on its own token, none times
    out, every token reaches the portal exactly once, and the checks went in batches."""
    portal.delay = 0.02
    issued = issue(portal, 48)
    start, outcomes = threading.Barrier(len(issued)), [None] * len(issued)

    def one(k):
        token, form, _sid = issued[k]
        start.wait(timeout=10)
        try:
            outcomes[k] = token_checks.verify(Portal.from_settings(), token, PERIOD, form)
        except PortalUnavailable as exc:
            outcomes[k] = exc

    with override_settings(MINER_TOKEN_BATCH_MAX=5):
        staggered(one, [0] * len(issued))
    assert [o["submission_id"] if isinstance(o, dict) else o for o in outcomes] == [s for _t, _f, s in issued]
    assert sum(portal.verify_requests) == len(issued) and max(portal.verify_requests) <= 5
    assert len(portal.verify_requests) < len(issued)


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_new_tokens_and_a_reused_token_are_each_settled_as_their_own(portal, miner_keys):
    """The store's look-ups go with the batch: a retry (same token, same body) gets its stored submission
    and never reaches the portal, a new token gets the portal's answer, a token stored with another body
    is TokenUsed."""

    from miners.intake.actions import Shares, TokenUsed, do_store

    def shares(form, k):
        return Shares(PERIOD, form, {"employees": k, "profit": 1}, {"employees": 1, "profit": 1})

    stored = issue(portal, 6)
    for k, (token, form, sid) in enumerate(stored):
        do_store(0, miner_keys[0], token, shares(form, k), sid, 32)
    fresh = issue(portal, 6)
    cases = ([("retry", token, shares(form, k), sid) for k, (token, form, sid) in enumerate(stored)]
             + [("new", token, shares(form, 0), sid) for token, form, sid in fresh]
             + [("reused", stored[0][0], shares(stored[0][1], 99), None)])
    start, outcomes = threading.Barrier(len(cases)), [None] * len(cases)

    def one(k):
        _kind, token, body, _sid = cases[k]
        start.wait(timeout=10)
        outcomes[k] = check_from_thread(token, body)

    portal.delay = 0.05
    with override_settings(MINER_TOKEN_BATCH_MAX=4):
        staggered(one, [0] * len(cases))
    for (kind, _token, _body, sid), outcome in zip(cases, outcomes, strict=True):
        if kind == "retry":
            assert outcome.answer is None and str(outcome.found.retry.submission_id) == sid
        elif kind == "new":
            assert outcome.found is None and outcome.answer["submission_id"] == sid
        else:
            assert isinstance(outcome, TokenUsed)
    assert sum(portal.verify_requests) == len(fresh)  # the retries and the reused token never went


def test_no_waiter_leading_a_batch_waits_past_its_own_deadline(portal):
    """A slow portal; B and C queue behind A at different moments and go as one batch led by B, the older:
    B's request waits for the portal no longer than B's own time-out, though C's would run longer."""
    portal.delay = 1.0
    issued = issue(portal, 3)
    elapsed = [None] * 3

    def one(k):
        token, form, _sid = issued[k]
        asked = time.monotonic()
        with pytest.raises(PortalUnavailable):
            token_checks.verify(Portal.from_settings(), token, PERIOD, form)
        elapsed[k] = time.monotonic() - asked

    with override_settings(PORTAL_TIMEOUT_SECONDS=0.5):
        staggered(one, [0, 0.1, 0.35])
    assert all(e is not None and e < 0.5 + 0.15 for e in elapsed), elapsed


def test_a_batch_that_fails_unexpectedly_answers_every_waiter_at_once_and_the_next_check_goes(portal,
                                                                                            monkeypatch):
    portal.delay = 0.2
    issued = issue(portal, 3)
    real_verify, calls = Portal.verify_tokens, []

    def verify_tokens(self, checks):
        calls.append(len(checks))
        if len(calls) == 2:
            raise ValueError("a bug")
        return real_verify(self, checks)

    monkeypatch.setattr(Portal, "verify_tokens", verify_tokens)
    started = time.monotonic()
    outcomes = ask(Portal.from_settings(), [(token, form) for token, form, _sid in issued[:2]])
    assert isinstance(outcomes[0], dict) and isinstance(outcomes[1], PortalUnavailable)
    assert time.monotonic() - started < 1.5  # not the 2 s time-out
    token, form, sid = issued[2]
    assert token_checks.verify(Portal.from_settings(), token, PERIOD, form)["submission_id"] == sid


@pytest.mark.django_db(transaction=True)
def test_a_check_whose_time_ran_out_during_the_stores_look_up_is_never_sent(portal, monkeypatch):
    """The second batch's look-up is slow (a pooled connection long in coming): its checks run out of time
    meanwhile, are answered 503, and their tokens never reach the portal (they stay usable)."""
    from miners.intake import actions

    issued = issue(portal, 3)
    slow_look_up(monkeypatch, call=2, seconds=0.8)
    outcomes = [None] * 3

    def one(k):
        token, form, _sid = issued[k]
        shares = actions.Shares(PERIOD, form, {"employees": 1}, {"employees": 1})
        outcomes[k] = check_from_thread(token, shares)

    portal.delay = 0.2
    with override_settings(PORTAL_TIMEOUT_SECONDS=0.5):
        staggered(one, [0, 0.05, 0.05])
    time.sleep(0.5)  # the fake portal counts a request once it answered it
    assert outcomes[0].answer["valid"] and all(isinstance(o, PortalUnavailable) for o in outcomes[1:])
    assert portal.verify_requests == [1]  # the first alone; the late batch of two never went


@pytest.mark.django_db(transaction=True)
def test_a_retry_queued_behind_a_slow_batch_still_gets_its_receipt(portal, miner_keys, monkeypatch):
    """A retry of a stored body needs no portal: queued behind a batch that outlasts its time-out (a slow
    look-up), it still gets its stored submission when its time runs out, not a 503."""

    from miners.intake import actions

    (token, form, sid), (fresh_token, fresh_form, _sid) = issue(portal, 2)
    shares = actions.Shares(PERIOD, form, {"employees": 3}, {"employees": 1})
    actions.do_store(0, miner_keys[0], token, shares, sid, 32)
    slow_look_up(monkeypatch, call=1, seconds=1.0)
    outcomes = [None, None]

    submissions = [(fresh_token, actions.Shares(PERIOD, fresh_form, {"employees": 1}, {"employees": 1})),
                   (token, shares)]

    def one(k):
        outcomes[k] = check_from_thread(*submissions[k])

    with override_settings(PORTAL_TIMEOUT_SECONDS=0.5):
        staggered(one, [0, 0.1])
    assert str(outcomes[1].found.retry.submission_id) == sid
