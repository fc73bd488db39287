"""What a miner counts for Prometheus (served at `GET /metrics`, consortium/metrics.py).

Intakes by outcome (docs/api.md section 2: accepted, or refused with the documented reason), runs by
state (read from the database at scrape time), run duration, and the round trip to each peer (measured
at each authenticated handshake on the peer channel: hello out, reply back). Labels are fixed names,
reasons of the contract and indices: never a token, a share, a figure or a submission id.
"""

from __future__ import annotations

import functools
import json

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily

from consortium.contract.run_request import RUN_STATES

# docs/api.md section 2: the portal's refusals (`reason`), and what the miner refuses itself (by status)
TOKEN_REASONS = frozenset({"unknown", "expired", "used", "wrong_period", "wrong_form", "period_closed"})
STATUS_REASONS = {400: "malformed", 403: "refused", 409: "used", 410: "period_deleted", 413: "too_large",
                  415: "not_json", 502: "portal_not_understood", 503: "unavailable"}

INTAKES_ACCEPTED = Counter("consortium_miner_intakes_accepted_total",
                           "Share submissions stored (or a retry answered with the same receipt).")
INTAKES_REFUSED = Counter("consortium_miner_intakes_refused_total",
                          "Share submissions refused, by reason (docs/api.md section 2).", ["reason"])
RUN_SECONDS = Histogram("consortium_miner_run_duration_seconds",
                        "Time of a run at this miner, from loading the shares to the signed outputs, by "
                        "outcome.", ["outcome"],
                        buckets=(1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200))
RUN_ROUNDS = Counter("consortium_miner_run_rounds_total",
                     "Communication rounds of the computations finished here (with the run durations: the "
                     "time per round).")
PEER_ROUND_TRIP = Histogram("consortium_miner_peer_round_trip_seconds",
                            "Round trip to a peer, measured at each authenticated handshake of the peer "
                            "channel (the peer's signing included), by the peer's index.", ["peer"],
                            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))


def intake_reason(status: int, body) -> str | None:
    """The label of an intake answer: None when accepted, else a reason of docs/api.md section 2."""
    if status in (200, 201):
        return None
    reason = body.get("reason") if isinstance(body, dict) else None
    if reason in TOKEN_REASONS:
        return reason
    return STATUS_REASONS.get(status, "other")


def count_intake(post):
    """Decorates the intake view's `post`: each answer counts as accepted or refused by its reason."""

    @functools.wraps(post)
    def counted(view, request, *args, **kwargs):
        response = post(view, request, *args, **kwargs)
        reason = intake_reason(response.status_code, _body(response))
        if reason is None:
            INTAKES_ACCEPTED.inc()
        else:
            INTAKES_REFUSED.labels(reason).inc()
        return response

    return counted


def _body(response):
    """The answer's JSON object: DRF's `data`, else (a plain JsonResponse) its content, for refusals only."""
    data = getattr(response, "data", None)
    if data is None and response.status_code >= 400:
        try:
            data = json.loads(response.content)
        except (ValueError, AttributeError):
            return None
    return data


def run_finished(outcome: str, seconds: float) -> None:
    RUN_SECONDS.labels(outcome).observe(seconds)


def peer_round_trip(peer: int, seconds: float) -> None:
    PEER_ROUND_TRIP.labels(str(peer)).observe(seconds)


class RunsByState:
    """`consortium_miner_runs{state}`: this miner's runs by state, read from its database per scrape."""

    def collect(self):
        from django.db.models import Count

        from miners.store.models import Run

        counts = dict.fromkeys(RUN_STATES, 0)
        counts.update(Run.objects.values_list("state").annotate(n=Count("id")).order_by())
        family = GaugeMetricFamily("consortium_miner_runs", "This miner's runs, by state.", labels=["state"])
        for state, n in counts.items():
            family.add_metric([state], n)
        yield family
