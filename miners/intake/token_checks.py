"""The checks of concurrent share submissions, coalesced into batches (docs/api.md sections 1 and 2).

Each submission asks its own store first (did this token store this body already, a retry; were the period's
shares deleted?) and then the portal (is the token valid?). Each query and each request costs more than the
check in it: a look-up of its own was a sixth of the miner's CPU per submission, a request of its own
several milliseconds of the portal's. So the checks that wait at one moment go together: one look-up in
the store for all of them, then one request to the portal, `{"tokens": [...]}`, for those the store did not
settle; each waiter gets its own answer.

Nothing waits to fill a batch. A check that finds no batch under way leads one at once, on its own
(request's) thread; the checks that arrive meanwhile queue, and when the batch is done the oldest of them
leads the next one with all that queued (leader and followers, as a database's group commit). One batch at a
time per process, at most MINER_TOKEN_BATCH_MAX checks each; one check alone goes as the single form.

Time: each waiter gives up PORTAL_TIMEOUT_SECONDS after it asked (PortalUnavailable("timeout"): the
member's 503), however long it queued. A batch's request waits for the portal until the first deadline of
its checks (the leader's request is waiting for it), and a check whose deadline passed before its batch was
taken is never sent (its token stays unused).
"""

from __future__ import annotations

import copy
import logging
import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db import DatabaseError

from miners.portal import Portal, PortalUnavailable

from . import actions

log = logging.getLogger(__name__)


class StoreUnavailable(Exception):
    """The store could not be asked about the submission (the database is down or refused)."""


@dataclass(frozen=True)
class Outcome:
    found: actions.Found | None  # the store settled it: the period was purged, or this body is stored
    answer: dict | None  # else the portal's answer (a JSON object, its contract not yet checked)


@dataclass(eq=False)
class _Check:
    portal: Portal
    body: dict
    deadline: float
    shares: actions.Shares | None  # None: the portal is asked, not the store
    wake: threading.Event = field(default_factory=threading.Event)
    found: actions.Found | None = None
    answer: dict | None = None
    error: Exception | None = None
    done: bool = False
    looked_up: bool = False  # the store was asked
    leads: bool = False
    abandoned: bool = False


class TokenChecks:
    def __init__(self):
        self._lock = threading.Lock()
        self._queue: deque[_Check] = deque()
        self._leading = False

    def check(self, portal: Portal, token: str, shares: actions.Shares) -> Outcome:
        """The store's look-up of this submission, then, unless that settled it, the portal's answer on its
        token. Raises actions.TokenUsed (the token stored another body), StoreUnavailable, or
        PortalUnavailable when the portal's answer cannot be had within its time-out."""
        if settings.MINER_TOKEN_BATCH_MAX <= 1:
            found = _settled(_look_up([(token, shares)])[0])
            if found is not None:
                return Outcome(found, None)
            actions.release_connection()
            return Outcome(None, portal.verify_token(token, shares.period, shares.form))
        done = self._ask(_Check(portal, _body(token, shares.period, shares.form), _deadline(portal), shares))
        return Outcome(done.found, done.answer)

    def verify(self, portal: Portal, token: str, period: int, form: str) -> dict:
        """The portal's answer on this token alone (no look-up in the store)."""
        if settings.MINER_TOKEN_BATCH_MAX <= 1:
            return portal.verify_token(token, period, str(form))
        return self._ask(_Check(portal, _body(token, period, form), _deadline(portal), None)).answer

    def _ask(self, check: _Check) -> _Check:
        with self._lock:
            self._queue.append(check)
            if not self._leading:
                self._leading = check.leads = True
        while not check.leads:
            remaining = check.deadline - time.monotonic()
            woken = remaining > 0 and check.wake.wait(remaining)
            with self._lock:
                check.wake.clear()
                if check.done:
                    break
                if not check.leads and not woken:
                    check.abandoned = True  # never taken into a batch, nor sent, from now on
                    break
        if check.abandoned:
            return _timed_out(check)
        if not check.done:
            if check.deadline <= time.monotonic():  # handed the lead as its time ran out: the next one leads
                self._hand_over()
                return _timed_out(check)
            self._lead()
        if not check.done:  # its deadline passed before it could be sent
            return _timed_out(check)
        if check.error is not None:
            # a copy for each waiter: one instance raised in many threads would keep all their frames
            raise copy.copy(check.error) from None
        return check

    def _lead(self) -> None:
        """Takes the next batch from the queue, settles it, and hands the lead to the oldest check left."""
        batch = []
        try:
            batch = self._take_batch()
            if batch:
                self._settle(batch)
        except Exception:  # a bug: every waiter of the batch still gets its answer (a 503), not its time-out
            log.exception("share intake: a batch of checks failed")
            for check in batch:
                if not check.done:
                    self._finish(check, error=PortalUnavailable("the checks failed"))
        finally:
            self._hand_over()

    def _take_batch(self) -> list[_Check]:
        """The oldest checks for one portal, up to the batch size, without those whose waiter gave up or
        whose deadline has passed."""
        limit = settings.MINER_TOKEN_BATCH_MAX
        with self._lock:
            now, batch, others = time.monotonic(), [], deque()
            while self._queue and len(batch) < limit:
                check = self._queue.popleft()
                if check.abandoned or check.deadline <= now:
                    continue
                if batch and check.portal != batch[0].portal:
                    others.append(check)
                else:
                    batch.append(check)
            self._queue.extendleft(reversed(others))
            return batch

    def _hand_over(self) -> None:
        with self._lock:
            now = time.monotonic()
            while self._queue:
                check = self._queue[0]
                if not check.abandoned and check.deadline > now:
                    check.leads = True
                    check.wake.set()
                    return
                self._queue.popleft()
            self._leading = False

    def _settle(self, batch: list[_Check]) -> None:
        pending = [check for check in batch if check.shares is None]
        asking_store = [check for check in batch if check.shares is not None]
        if asking_store:
            try:
                looked_up = _look_up([(check.body["token"], check.shares) for check in asking_store])
            except StoreUnavailable as exc:
                looked_up = [exc] * len(asking_store)
            for check, found in zip(asking_store, looked_up, strict=True):
                check.looked_up = True
                if isinstance(found, Exception):
                    self._finish(check, error=found)
                elif _settled(found) is not None:
                    self._finish(check, found=found)
                else:
                    pending.append(check)
            actions.release_connection()
        if pending:
            self._ask_portal(pending)

    def _ask_portal(self, batch: list[_Check]) -> None:
        # A check whose time ran out meanwhile (the store's look-up is not bounded by it) is not sent: its
        # member was answered 503 "nothing was stored", so its token must stay unused.
        with self._lock:
            now = time.monotonic()
            late = [check for check in batch if check.abandoned or check.deadline <= now]
            batch = [check for check in batch if check not in late]
        for check in late:
            self._finish(check, error=PortalUnavailable("timeout"))
        if not batch:
            return
        # The leader's own request waits for the portal: no longer than the first deadline of the batch (its
        # oldest check's), so that no member's answer comes later than its own time-out.
        remaining = min(check.deadline for check in batch) - now
        try:
            portal = replace(batch[0].portal, timeout=remaining)
            answers = portal.verify_tokens([check.body for check in batch])
        except PortalUnavailable as exc:
            for check in batch:
                self._finish(check, error=exc)
            return
        for check, answer in zip(batch, answers, strict=True):
            self._finish(check, answer=answer)

    def _finish(self, check: _Check, **outcome) -> None:
        with self._lock:
            for name, value in outcome.items():
                setattr(check, name, value)
            check.done = True
            check.wake.set()


def _timed_out(check: _Check) -> _Check:
    """A check whose time ran out before the portal answered it. The store may still settle it without the
    portal (a retry of a stored body: its receipt; a purged period: 410), as it did before the batches:
    else the time-out."""
    if check.shares is not None and not check.looked_up:
        found = _settled(_look_up([(check.body["token"], check.shares)])[0])
        if found is not None:
            check.found = found
            return check
    raise PortalUnavailable("timeout")


def _body(token: str, period: int, form) -> dict:
    return {"token": token, "period": period, "form": str(form)}


def _deadline(portal: Portal) -> float:
    return time.monotonic() + portal.timeout


def _look_up(submissions: list[tuple[str, actions.Shares]]) -> list:
    try:
        return actions.look_up_many(submissions)
    except DatabaseError as exc:
        log.error("share intake: the store could not be read (%s)", type(exc).__name__)
        raise StoreUnavailable("the store could not be read") from None


def _settled(found) -> actions.Found | None:
    """The store's answer when it settles the submission without the portal; TokenUsed is raised."""
    if isinstance(found, Exception):
        raise found
    return found if found.purged or found.retry is not None else None


token_checks = TokenChecks()
# In a forked child (a server's worker) no batch of the parent's is under way: start afresh.
os.register_at_fork(after_in_child=token_checks.__init__)
