"""periods.actions: creation with the kind's indicators, draft -> open -> closed, refusals, audit rows."""

import datetime

import pytest

from consortium.portal.accounts.models import AuditEvent
from consortium.portal.periods import actions
from consortium.portal.periods.actions import PeriodStateError
from consortium.portal.periods.indicator_sets import ANNUAL, SEMI_ANNUAL
from consortium.portal.periods.models import CollectionPeriod

pytestmark = pytest.mark.django_db

JAN, JUN = datetime.date(2026, 1, 1), datetime.date(2026, 6, 30)


@pytest.fixture
def period(staff_user):
    return actions.do_create_period("2026 H1", "semi_annual", JAN, JUN, staff_user)


def kinds():
    return list(AuditEvent.objects.values_list("kind", flat=True))


def test_it_creates_a_draft_with_the_semi_annual_indicators(period):
    assert period.state == CollectionPeriod.State.DRAFT
    assert list(period.indicators.values_list("code", flat=True)) == [d["code"] for d in SEMI_ANNUAL]


def test_it_creates_an_annual_period_with_the_annual_indicators(staff_user):
    period = actions.do_create_period("2026", "annual", JAN, datetime.date(2026, 12, 31), staff_user)
    codes = list(period.indicators.values_list("code", flat=True))
    assert codes == [d["code"] for d in ANNUAL]
    assert {"labour_costs", "training_costs", "profit"} <= set(codes)


def test_it_refuses_a_period_that_ends_before_it_starts(staff_user):
    with pytest.raises(ValueError):
        actions.do_create_period("backwards", "annual", JUN, JAN, staff_user)
    assert not CollectionPeriod.objects.exists()


def test_it_opens_a_draft_and_audits_it(period, staff_user):
    actions.do_open_period(period, staff_user)
    period.refresh_from_db()
    assert period.state == CollectionPeriod.State.OPEN and period.opened_at is not None
    event = AuditEvent.objects.get()
    assert event.kind == AuditEvent.Kind.PERIOD_OPENED
    assert event.actor == staff_user and event.detail == {"period": period.pk, "name": "2026 H1"}


def test_it_closes_an_open_period_and_audits_it(period, staff_user):
    actions.do_open_period(period, staff_user)
    actions.do_close_period(period, staff_user)
    period.refresh_from_db()
    assert period.state == CollectionPeriod.State.CLOSED and period.closed_at is not None
    assert kinds() == [AuditEvent.Kind.PERIOD_CLOSED, AuditEvent.Kind.PERIOD_OPENED]


def test_it_refuses_to_close_a_draft(period, staff_user):
    with pytest.raises(PeriodStateError, match="only an open period can be closed"):
        actions.do_close_period(period, staff_user)
    period.refresh_from_db()
    assert period.state == CollectionPeriod.State.DRAFT and kinds() == []


def test_it_refuses_to_open_a_period_twice(period, staff_user):
    actions.do_open_period(period, staff_user)
    with pytest.raises(PeriodStateError, match="only a draft period can be opened"):
        actions.do_open_period(period, staff_user)
    assert kinds() == [AuditEvent.Kind.PERIOD_OPENED]


def test_it_never_reopens_a_closed_period(period, staff_user):
    actions.do_open_period(period, staff_user)
    actions.do_close_period(period, staff_user)
    with pytest.raises(PeriodStateError):
        actions.do_open_period(period, staff_user)
    with pytest.raises(PeriodStateError):
        actions.do_close_period(period, staff_user)
    period.refresh_from_db()
    assert period.state == CollectionPeriod.State.CLOSED and len(kinds()) == 2


def test_it_uses_the_state_in_the_database_not_a_stale_copy(period, staff_user):
    stale = CollectionPeriod.objects.get(pk=period.pk)
    actions.do_open_period(period, staff_user)
    with pytest.raises(PeriodStateError):
        actions.do_open_period(stale, staff_user)  # a second click from a page loaded before the first


def test_it_refuses_to_open_a_period_without_indicators(period, staff_user):
    period.indicators.all().delete()
    with pytest.raises(PeriodStateError, match="no indicators"):
        actions.do_open_period(period, staff_user)


def test_it_refuses_draft_edits_and_deletion_once_open(period, staff_user):
    actions.do_open_period(period, staff_user)
    stale = CollectionPeriod.objects.get(pk=period.pk)
    stale.state = CollectionPeriod.State.DRAFT  # as loaded by an admin page before it was opened
    stale.name = "renamed"
    with pytest.raises(PeriodStateError):
        actions.do_update_draft_period(stale, ["name"], staff_user)
    with pytest.raises(PeriodStateError):
        actions.do_delete_draft_period(stale, staff_user)
    period.refresh_from_db()
    assert period.name == "2026 H1"


def test_it_deletes_a_draft(period, staff_user):
    actions.do_delete_draft_period(period, staff_user)
    assert not CollectionPeriod.objects.exists()


def test_it_saves_indicator_edits_only_while_draft(period, staff_user):
    saved = []

    class Formset:
        def save(self):
            saved.append(True)

    actions.do_save_indicators(period, Formset(), staff_user)
    actions.do_open_period(period, staff_user)
    with pytest.raises(PeriodStateError, match="indicators can no longer change"):
        actions.do_save_indicators(period, Formset(), staff_user)
    assert saved == [True]
