"""A representative's home page: each open period's status for their own company."""

from tests.portal.factories import open_period
from tests.portal.fake_miners import make_submission


def _card(page: str, period) -> str:
    start = page.index(f'data-period="{period.pk}"')
    return page[start:page.index("</div>", start)]


def test_it_says_when_the_last_attempt_failed(client_for, rep_a, company_a):
    period = open_period()
    make_submission(company_a, rep_a, period, state="failed")
    card = _card(client_for(rep_a).get("/").content.decode(), period)
    assert "Your last attempt did not complete" in card and "Your attempts" in card


def test_it_shows_each_open_period_on_its_own(client_for, rep_a, rep_b, company_a, company_b):
    submitted, failed, untouched = open_period("2026 H1"), open_period("2026 Q2"), open_period("2026 Q3")
    make_submission(company_a, rep_a, submitted, state="failed", minutes_ago=10)
    make_submission(company_a, rep_a, submitted)
    make_submission(company_a, rep_a, failed, state="failed")
    make_submission(company_b, rep_b, untouched)  # another company's: not this one's status
    page = client_for(rep_a).get("/").content.decode()
    assert ">Submitted<" in _card(page, submitted)
    assert "did not complete" in _card(page, failed) and ">Submitted<" not in _card(page, failed)
    assert "Not submitted yet" in _card(page, untouched) and "Your attempts" not in _card(page, untouched)


def test_a_form_only_opened_is_not_an_attempt(client_for, rep_a, company_a):
    """As on the history page: a pending form no miner has seen does not count, and does not hide
    that the last real attempt failed."""
    period = open_period()
    make_submission(company_a, rep_a, period, state="failed", minutes_ago=10)
    make_submission(company_a, rep_a, period, state="pending")
    card = _card(client_for(rep_a).get("/").content.decode(), period)
    assert "Your last attempt did not complete" in card


def test_an_untouched_period_with_only_an_opened_form_offers_no_history(client_for, rep_a, company_a):
    period = open_period()
    make_submission(company_a, rep_a, period, state="pending")
    card = _card(client_for(rep_a).get("/").content.decode(), period)
    assert "Not submitted yet" in card and "Your attempts" not in card
