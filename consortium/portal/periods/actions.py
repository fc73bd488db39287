"""Every write to collection periods and their indicators: one function each, one transaction each.

The state machine is draft -> open -> closed. Indicators change only while the period is a
draft: once it is open, members may already have submitted against them.
"""

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consortium.portal.accounts import audit
from consortium.portal.accounts.models import AuditEvent

from .indicator_sets import default_indicators
from .models import CollectionPeriod, IndicatorDefinition

_TEXT_KEYS = ("name", "help_text")  # an indicator's texts, translatable


class PeriodStateError(Exception):
    """The period is not in a state that allows this; str() is a message for staff."""


def _locked(period) -> CollectionPeriod:
    # Two staff members acting on the same period at once (Open clicked twice, Close racing
    # Open, or an indicator edit racing Open): the row lock makes the second wait, then
    # re-read the state the first one left and refuse if the transition no longer applies.
    return CollectionPeriod.objects.select_for_update().get(pk=period.pk)


def _locked_in(period, state, refusal: str) -> CollectionPeriod:
    """The locked period, if it is (still) in `state`; else PeriodStateError(`refusal`), a message that
    may name the period, %(name)s, and its state, %(state)s."""
    current = _locked(period)
    if current.state != state:
        raise PeriodStateError(refusal % {"name": current, "state": current.get_state_display()})
    return current


@transaction.atomic
def do_create_period(name, kind, starts_on, ends_on, actor=None, deadline=None) -> CollectionPeriod:
    """A draft period with the default indicators of its kind (staff may adjust them while draft)."""
    if ends_on < starts_on:
        raise ValueError(_("A period cannot end before it starts."))
    period = CollectionPeriod.objects.create(name=name, kind=kind, starts_on=starts_on, ends_on=ends_on,
                                             deadline=deadline)
    # Stored in English, the source language, whatever the creator's language; people see them
    # translated (IndicatorDefinition.display_name).
    with translation.override("en"):
        IndicatorDefinition.objects.bulk_create(
            IndicatorDefinition(period=period, position=pos,
                                **{k: str(v) if k in _TEXT_KEYS else v for k, v in spec.items()})
            for pos, spec in enumerate(default_indicators(kind))
        )
    return period


@transaction.atomic
def do_update_draft_period(period, fields, actor=None) -> CollectionPeriod:
    """Save admin edits of `fields` (names of attributes already set on `period`) of a draft period."""
    _locked_in(period, CollectionPeriod.State.DRAFT,
               _("“%(name)s” is no longer a draft; its settings can no longer change."))
    period.save(update_fields=list(fields) or None)
    return period


@transaction.atomic
def do_save_indicators(period, formset, actor=None):
    """Save an admin formset of the period's indicators, only while the period is a draft."""
    _locked_in(period, CollectionPeriod.State.DRAFT,
               _("“%(name)s” is open or closed; its indicators can no longer change."))
    formset.save()


@transaction.atomic
def do_delete_draft_period(period, actor=None):
    _locked_in(period, CollectionPeriod.State.DRAFT, _("Only a draft period can be deleted.")).delete()


@transaction.atomic
def do_open_period(period, actor, request=None) -> CollectionPeriod:
    """Draft -> open: members can submit from now on. Audited as period_opened."""
    current = _locked_in(period, CollectionPeriod.State.DRAFT,
                         _("“%(name)s” is %(state)s; only a draft period can be opened."))
    if not current.indicators.exists():
        raise PeriodStateError(_("“%(name)s” has no indicators to collect.") % {"name": current})
    current.state = CollectionPeriod.State.OPEN
    current.opened_at = timezone.now()
    current.save(update_fields=["state", "opened_at"])
    audit.record(AuditEvent.Kind.PERIOD_OPENED, actor, request, period=current.pk, name=current.name)
    return current


@transaction.atomic
def do_close_period(period, actor, request=None) -> CollectionPeriod:
    """Open -> closed: no more submissions; the period can be analysed. Audited as period_closed."""
    current = _locked_in(period, CollectionPeriod.State.OPEN,
                         _("“%(name)s” is %(state)s; only an open period can be closed."))
    current.state = CollectionPeriod.State.CLOSED
    current.closed_at = timezone.now()
    current.save(update_fields=["state", "closed_at"])
    audit.record(AuditEvent.Kind.PERIOD_CLOSED, actor, request, period=current.pk, name=current.name)
    return current
