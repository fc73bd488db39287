"""The token checks of concurrent share submissions, coalesced into batches (docs/api.md section 1).

Every submission waits for the portal's answer on its token, and each request costs the portal several
milliseconds of CPU around a fraction of a millisecond of work. So a process sends the checks that wait at
one moment as one request, `{"tokens": [...]}`, and hands each waiter its own answer. Nothing waits to
fill a batch: a check goes out at once when a sender is free, and the checks that arrive while the senders
are busy go out together next (natural batching, as a database's group commit). At most SENDERS batches
per process are in flight, each of at most MINER_TOKEN_BATCH_MAX checks; one check alone goes as the single
form.

Time: each waiter gives up PORTAL_TIMEOUT_SECONDS after it asked (PortalUnavailable("timeout"): the
member's 503), however long it queued. A batch's request waits for the portal until the last deadline of
its checks, and a check whose deadline passed before it could be sent is never sent (its token stays
unused).
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace

from django.conf import settings

from miners.portal import Portal, PortalUnavailable

# One batch in flight: while the portal answers it, the next one fills. A second sender halves the batches
# and so doubles the portal's CPU per check (measured: docs/performance.md, "Share intake").
SENDERS = 1


@dataclass(eq=False)
class _Check:
    portal: Portal
    body: dict
    deadline: float
    done: threading.Event = field(default_factory=threading.Event)
    answer: dict | None = None
    error: PortalUnavailable | None = None
    abandoned: bool = False


class TokenChecks:
    def __init__(self):
        self._reset()

    def _reset(self) -> None:
        self._cond = threading.Condition()
        self._queue: deque[_Check] = deque()
        self._senders: list[threading.Thread] = []

    def verify(self, portal: Portal, token: str, period: int, form: str) -> dict:
        """The portal's answer on this token (a JSON object, its contract not yet checked); PortalUnavailable
        when it cannot be had within the portal's time-out."""
        body = {"token": token, "period": period, "form": str(form)}
        if settings.MINER_TOKEN_BATCH_MAX <= 1:
            return portal.verify_token(token, period, str(form))
        check = _Check(portal, body, time.monotonic() + portal.timeout)
        with self._cond:
            self._start_senders()
            self._queue.append(check)
            self._cond.notify()
        if not check.done.wait(portal.timeout):
            with self._cond:
                check.abandoned = True
            if not check.done.is_set():
                raise PortalUnavailable("timeout")
        if check.error is not None:
            raise check.error
        return check.answer

    def _start_senders(self) -> None:
        while len(self._senders) < SENDERS:
            sender = threading.Thread(target=self._send_forever, name="token-checks", daemon=True)
            sender.start()
            self._senders.append(sender)

    def _send_forever(self) -> None:
        while True:
            portal, batch = self._next_batch()
            # Nobody waits for an answer after the last deadline of the batch.
            remaining = max(check.deadline for check in batch) - time.monotonic()
            try:
                answers = replace(portal, timeout=max(remaining, 0.01)).verify_tokens([c.body for c in batch])
            except PortalUnavailable as exc:
                for check in batch:
                    check.error = exc
                    check.done.set()
                continue
            for check, answer in zip(batch, answers, strict=True):
                check.answer = answer
                check.done.set()

    def _next_batch(self) -> tuple[Portal, list[_Check]]:
        """Waits for checks; takes the oldest and those queued after it for the same portal, up to the
        batch size, leaving out (and dropping) those whose waiter gave up or whose deadline has passed."""
        limit = settings.MINER_TOKEN_BATCH_MAX
        with self._cond:
            while True:
                while not self._queue:
                    self._cond.wait()
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
                if batch:
                    return batch[0].portal, batch


token_checks = TokenChecks()
# In a forked child (a server's worker) the parent's sender threads do not exist: start afresh.
os.register_at_fork(after_in_child=token_checks._reset)
