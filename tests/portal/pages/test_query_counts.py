"""A page's number of database queries does not grow with the number of companies, attempts,
runs, reports or open periods (no N+1 queries on a request path)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consortium.portal.periods.models import CollectionPeriod
from consortium.portal.reports.actions import do_create_report, do_publish
from consortium.portal.submissions import actions
from consortium.portal.submissions.models import Submission
from tests.portal.e2e_data import FakeMinerHosts, _attempt, _period, _results, _run, build
from tests.portal.fake_miners import make_member


def _pages(demo) -> dict[str, list[str]]:
    period, run = demo.open_period.pk, demo.done_run.run_id
    return {
        "rep": ["/", "/reports/", f"/reports/{demo.published.pk}/", "/submissions/",
                f"/submissions/form/{period}/"],
        "board": ["/", "/reports/", f"/reports/{demo.draft.pk}/"],
        "staff": ["/", "/reports/", "/analyses/", f"/analyses/{run}/", f"/analyses/{run}/status.json",
                  f"/analyses/periods/{period}/start/", "/admin/periods/collectionperiod/",
                  f"/admin/periods/collectionperiod/{period}/change/",
                  f"/admin/periods/collectionperiod/{period}/status/", "/admin/accounts/company/",
                  "/admin/accounts/user/", "/admin/accounts/auditevent/", "/admin/submissions/submission/",
                  "/admin/submissions/accesstoken/", "/admin/submissions/receipt/",
                  "/admin/otp_totp/totpdevice/"],
    }


def _query_counts(client_for, demo) -> dict:
    counts = {}
    for persona, urls in _pages(demo).items():
        client = client_for(getattr(demo, persona))
        for url in urls:
            client.get(url)  # once before counting: the first request fills per-process caches
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200, (persona, url)
            counts[persona, url] = len(queries)
    return counts


def _grow(demo):
    """Six more member companies with an attempt in every period, a second open period, and two
    more runs with published reports."""
    periods = list(CollectionPeriod.objects.all())
    for n in range(6):
        company, user = make_member(f"Extra {n}")
        for period in periods:
            _attempt(company, user, period, state="failed" if n % 2 else "complete")
    _period("2026 H1 (late)", dt.date(2026, 1, 1), dt.date(2026, 6, 30), "open")
    for period in periods[:2]:
        do_publish(do_create_report(_run(period, demo.staff, "done", minutes_ago=5,
                                         results=_results([period]))), demo.board)


@pytest.fixture
def demo(monkeypatch, settings):
    FakeMinerHosts().install(monkeypatch, settings)
    return build()


def test_it_runs_as_many_queries_for_a_large_consortium_as_for_a_small_one(client_for, demo):
    small = _query_counts(client_for, demo)
    _grow(demo)
    large = _query_counts(client_for, demo)
    assert {page: (small[page], large[page]) for page in small if large[page] != small[page]} == {}


def test_the_history_page_runs_as_many_queries_for_ten_attempts_as_for_two(client_for, demo):
    """A member's own attempts (complete ones with and without feedback, failed ones) add no query."""
    client = client_for(demo.rep)

    def history_queries():
        client.get("/submissions/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/submissions/").status_code == 200
        return len(queries)

    company = demo.rep.company
    mine = Submission.objects.filter(company=company, period=demo.open_period)
    assert mine.count() == 2
    two = history_queries()
    for n in range(8):
        state = "failed" if n % 3 == 0 else "complete"
        attempt = _attempt(company, demo.rep, demo.open_period, state=state, minutes_ago=n)
        if n % 2 and n % 3:
            actions.do_record_feedback(attempt, benefit="yes", explanation_helped="", extra_indicators="")
    assert mine.count() == 10
    assert history_queries() == two
