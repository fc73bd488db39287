"""What the portal counts for Prometheus (served at `GET /metrics`, consortium/metrics.py).

Submissions completed or failed (by failure kind), the miners' token checks (by miner and answer), and
analysis runs by state (read from the database at scrape time). Labels are fixed names, the failure
kinds of submissions/failures.py, the answers of docs/api.md section 1 and miner indices: never a
token, a figure, a company, a user or a submission id.
"""

from __future__ import annotations

from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily

# docs/api.md section 1: a token check's answers
TOKEN_ANSWERS = frozenset({"valid", "unknown", "expired", "used", "wrong_period", "wrong_form",
                           "period_closed"})
# submissions/failures.py: the kinds of a failed attempt's reason (codes are `<kind>` or `<kind>:<miner>`)
FAILURE_KINDS = frozenset({"missing", "duplicate", "malformed", "bad_signature", "no_key",
                           "wrong_submission", "wrong_period", "period_closed", "already_failed"})
RUN_STATES = ("starting", "running", "done", "failed")

SUBMISSIONS = Counter("consortium_portal_submissions_total",
                      "Submission attempts finished, by outcome (complete or failed).", ["outcome"])
SUBMISSION_FAILURES = Counter("consortium_portal_submission_failures_total",
                              "Reasons of failed submission attempts, by kind (an attempt may have several).",
                              ["kind"])
TOKEN_CHECKS = Counter("consortium_portal_token_verifications_total",
                       "The miners' token checks (docs/api.md section 1), by miner index and answer.",
                       ["miner", "answer"])


def submission_complete() -> None:
    SUBMISSIONS.labels("complete").inc()


def submission_failed(reason: str) -> None:
    """`reason`: the stored failure codes, comma-separated."""
    SUBMISSIONS.labels("failed").inc()
    for code in reason.split(","):
        kind = code.partition(":")[0]
        SUBMISSION_FAILURES.labels(kind if kind in FAILURE_KINDS else "other").inc()


def token_checked(miner: int, answer: str) -> None:
    TOKEN_CHECKS.labels(str(miner), answer if answer in TOKEN_ANSWERS else "other").inc()


class RunsByState:
    """`consortium_portal_runs{state}`: analysis runs by state, read from the database per scrape."""

    def collect(self):
        from django.db.models import Count

        from consortium.portal.runs.models import AnalysisRun

        counts = dict.fromkeys(RUN_STATES, 0)
        counts.update(AnalysisRun.objects.order_by().values_list("state").annotate(n=Count("id")))
        family = GaugeMetricFamily("consortium_portal_runs", "Analysis runs, by state.", labels=["state"])
        for state, n in counts.items():
            family.add_metric([state], n)
        yield family
