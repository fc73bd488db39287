"""Both sides of docs/api.md in one process (the portal's apps are installed beside the miner's here):
what the portal sends, the miner accepts; what the miner signs, the portal's own check accepts."""

import datetime as dt
import uuid

import pytest
from django.test import override_settings

from consortium.contract import keys
from consortium.contract.tokens import new_token
from consortium.portal.runs.plan import build_request
from consortium.portal.submissions.actions import check_receipts
from miners.intake.actions import Shares, do_store, receipt
from miners.runs.serializers import RunRequestSerializer
from tests.portal.fake_miners import make_member, make_period, make_submission

from .harness import ALIASES, miner_database

pytestmark = pytest.mark.django_db


def annual_periods():
    from consortium.portal.periods.indicator_sets import ANNUAL

    periods = [make_period(f"{year}", dt.date(year, 12, 31), kind="annual", indicators=ANNUAL)
               for year in (2024, 2025, 2026)]
    members = [make_member(f"Member {k}") for k in range(4)]
    for n, period in enumerate(periods):
        for company, user in members[:2 + n]:  # fewer members in the older periods: nulls in the series
            make_submission(company, user, period)
    return periods


def test_the_miner_accepts_the_portals_run_request_for_an_annual_period():
    request = build_request(annual_periods()[-1], str(uuid.uuid4()), "https://portal.example/")
    kinds = [a["kind"] for a in request["analyses"]]
    assert kinds.count("sorted_indicator") == 7 and "ratio" in kinds and kinds.count("time_series") == 7
    assert any(None in row for a in request["analyses"] for row in a.get("rows", []))
    parsed = RunRequestSerializer(data=request)
    assert parsed.is_valid(), parsed.errors


@pytest.mark.django_db(databases=ALIASES)
def test_the_portal_accepts_the_three_miners_receipts(miner_keys):
    period = annual_periods()[-1]
    submission = make_submission(*make_member("Member X"), period, state="pending")
    receipts = []
    for i in range(3):
        with miner_database(i):  # each miner stores in its own database (tests/miners/harness.py)
            shares = Shares(period.pk, str(uuid.uuid4()), {"profit": 5}, {"profit": 1})
            stored = do_store(i, miner_keys[i], new_token(), shares, str(submission.submission_id),
                              period.ring_bits)
            receipts.append(receipt(i, stored))
    portal_miners = [{"url": f"https://miner{i}.example.org", "secret": "s" * 43,
                      "public_key": keys.encode_public_key(miner_keys[i])} for i in range(3)]
    with override_settings(MINERS=portal_miners):
        assert check_receipts(submission, receipts) == ""
        forged = [*receipts[:2], {**receipts[2], "digest": "0" * 64}]
        assert check_receipts(submission, forged) != ""
