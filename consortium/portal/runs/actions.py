"""Every write of the runs app: start or restart a run, record the miners' progress and outputs.

Each `do_*` is one transaction. The calls to the miners (slow, may time out) run outside any
transaction, in a Celery task (in-process by default). Nothing here stores, logs or audits a
share or a figure: reasons name miners, analyses and components only.
"""

from __future__ import annotations

import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from consortium.contract import MINERS
from consortium.portal.accounts import audit
from consortium.portal.accounts.models import AuditEvent
from consortium.portal.minerlink import runs as miner_runs
from consortium.portal.periods.models import CollectionPeriod
from mpc_engine.analyses import ratio_fits

from . import failures, live, plan, signals
from .models import AnalysisRun, MinerRunState
from .reconstruct import OutputsRejected, check_signature, reconstruct
from .serializers import ProgressSerializer

ACTIVE_STATES = (AnalysisRun.State.STARTING, AnalysisRun.State.RUNNING)

logger = logging.getLogger(__name__)


class RunError(Exception):
    """Staff asked for something that cannot be done now; str() is a message for them."""


class RunConflict(Exception):
    """A miner's push does not fit the run's state (finished, or already received)."""


# --- Start -------------------------------------------------------------------------------


def check_may_start(actor) -> None:
    if not getattr(actor, "is_consortium_staff", False):
        raise PermissionDenied


def check_may_restart(run: AnalysisRun, actor) -> None:
    """A failed run is started again as a new run with a new id (the miners never reuse a run id)."""
    check_may_start(actor)
    if run.state != AnalysisRun.State.FAILED:
        raise RunError(_("Only a failed analysis can be restarted."))


@transaction.atomic
def do_create_run(period, actor, request, portal_url: str, restarted_from=None) -> AnalysisRun:
    # Two staff members pressing "Start" at once: the period's row lock makes the second
    # wait and then see the first one's run, so a period never has two runs in progress.
    period = CollectionPeriod.objects.select_for_update().get(pk=period.pk)
    if period.state != CollectionPeriod.State.CLOSED:
        raise RunError(_("Only a closed period can be analysed: close “%(period)s” first.")
                       % {"period": period})
    if period.shares_deletion_requested_at is not None:  # retention: the miners no longer hold its shares
        deleted = date_format(localtime(period.shares_deletion_requested_at))
        raise RunError(_("The shares of “%(period)s” were deleted at the miners on %(date)s (retention, "
                       "after its report was published): it can no longer be analysed.")
                       % {"period": period, "date": deleted})
    if period.runs.filter(state__in=ACTIVE_STATES).exists():
        raise RunError(_("An analysis of “%(period)s” is already in progress.") % {"period": period})
    if not period.indicators.exists():
        raise RunError(_("“%(period)s” has no indicators to analyse.") % {"period": period})
    run_id = uuid.uuid4()
    body = plan.build_request(period, run_id, portal_url)
    if not body["columns"]:
        raise RunError(_("No member has a complete submission for “%(period)s”.") % {"period": period})
    _check_ratios_fit(body)
    run = AnalysisRun.objects.create(run_id=run_id, period=period, started_by=actor, request=body)
    detail = {"run": str(run_id), "period": period.pk, "companies": len(body["columns"])}
    if restarted_from is not None:
        detail["restarted_from"] = str(restarted_from.run_id)
    audit.record(AuditEvent.Kind.ANALYSIS_STARTED, actor, request, **detail)
    return run


def _check_ratios_fit(body: dict) -> None:
    """A fixed-point quotient that cannot fit the ring would wrap silently inside MPC: refuse the run."""
    for a in body["analyses"]:
        if a["kind"] == "ratio" and not ratio_fits(body["ring"], a["num_lo"], a["num_hi"], a["frac_bits"]):
            raise RunError(_("The ratio “%(name)s” would overflow the %(bits)s-bit ring with the "
                             "numerator's range: narrow the range of “%(numerator)s”.")
                           % {"name": a["name"], "bits": body["ring"], "numerator": a["numerator"]})


def send_to_miners(run_pk: int) -> None:
    """POST the run to the three miners at once (no transaction is open: each may take a time-out)."""
    run = AnalysisRun.objects.get(pk=run_pk)
    if run.state != AnalysisRun.State.STARTING:
        return

    def ask(miner: int):
        try:
            miner_runs.start(miner, run.request)
        except miner_runs.MinerUnavailable as exc:
            return (failures.code(failures.RUN_REFUSED, miner) if exc.refused
                    else failures.code(failures.NOT_ACCEPTED, miner, exc.why))
        return None

    with ThreadPoolExecutor(max_workers=MINERS) as pool:
        refusals = [r for r in pool.map(ask, range(MINERS)) if r]
    if refusals:
        do_fail_run(run_pk, failures.join(refusals))
    else:
        do_mark_running(run_pk)


def poll_miners(run_pk: int) -> None:
    """Ask the three miners for the run's progress (`GET {miner}/api/runs/<id>`) and record each answer
    as if pushed: the fallback when pushes stop arriving. A miner that does not answer is skipped."""
    run = AnalysisRun.objects.get(pk=run_pk)
    if run.state not in ACTIVE_STATES:
        return

    def ask(miner: int):
        try:
            return miner_runs.status(miner, str(run.run_id))
        except miner_runs.MinerUnavailable:
            return None

    with ThreadPoolExecutor(max_workers=MINERS) as pool:
        answers = list(pool.map(ask, range(MINERS)))
    for miner, answer in enumerate(answers):
        body = ProgressSerializer(data=answer) if answer is not None else None
        if body is not None and body.is_valid():
            do_record_progress(run.run_id, miner, body.validated_data)


@transaction.atomic
def do_mark_running(run_pk: int) -> None:
    run = AnalysisRun.objects.select_for_update().get(pk=run_pk)
    if run.state == AnalysisRun.State.STARTING:
        run.state = AnalysisRun.State.RUNNING
        run.save(update_fields=["state"])
        live.notify(run)


@transaction.atomic
def do_fail_run(run_pk: int, reason: str) -> None:
    """Fail the run with `reason`, a code of `failures`."""
    run = AnalysisRun.objects.select_for_update().get(pk=run_pk)
    _fail(run, reason)


def _fail(run: AnalysisRun, reason: str) -> None:
    """In the caller's transaction, with the run locked: failed, stored shares dropped, audited."""
    if run.state in live.FINAL_STATES:
        return
    run.state = AnalysisRun.State.FAILED
    run.error = reason[:300]
    run.finished_at = timezone.now()
    run.save(update_fields=["state", "error", "finished_at"])
    run.miner_states.update(outputs=None)
    audit.record(AuditEvent.Kind.ANALYSIS_FAILED, None, None, run=str(run.run_id), period=run.period_id,
                 reason=run.error)
    live.notify(run)


def _add_reason(run: AnalysisRun, code: str) -> None:
    """Another miner's failure after the run failed: its reason joins the first (when one miner dies, the
    first to report may be a peer that only saw another peer stop; together they name the one that died)."""
    codes = run.error.split("; ") if run.error else []
    joined = failures.join([*codes, code])
    if code not in codes and len(joined) <= 300:
        run.error = joined
        run.save(update_fields=["error"])
        live.notify(run)


# --- Time-out ------------------------------------------------------------------------------


def is_overdue(run: AnalysisRun) -> bool:
    """Still starting or running RUN_TIMEOUT_SECONDS after it was started."""
    limit = timedelta(seconds=settings.RUN_TIMEOUT_SECONDS)
    return run.state in ACTIVE_STATES and timezone.now() - run.created_at >= limit


def fail_overdue_runs() -> int:
    """Fail every overdue run, also those no page is looking at (Celery beat); returns how many."""
    cutoff = timezone.now() - timedelta(seconds=settings.RUN_TIMEOUT_SECONDS)
    overdue = AnalysisRun.objects.filter(state__in=ACTIVE_STATES, created_at__lte=cutoff)
    return sum(do_fail_overdue(pk) for pk in overdue.values_list("pk", flat=True))


@transaction.atomic
def do_fail_overdue(run_pk: int) -> bool:
    # The last miner's outputs may arrive at this very moment: the run's row lock orders the two, so
    # a run that has just finished is not failed, and a run failed here takes no more outputs.
    run = AnalysisRun.objects.select_for_update().get(pk=run_pk)
    if not is_overdue(run):
        return False
    _fail(run, failures.code(failures.TIMEOUT, None, str(settings.RUN_TIMEOUT_SECONDS)))
    return True


# --- Miner -> portal ------------------------------------------------------------------------


def _locked(run_id) -> AnalysisRun:
    # Three miners push concurrently; the run's row lock serialises them, so exactly one push
    # sees all three outputs and reconstructs, and a failure is never overwritten by a success.
    return AnalysisRun.objects.select_for_update().get(run_id=run_id)


@transaction.atomic
def do_record_progress(run_id, miner: int, body: dict) -> AnalysisRun:
    """A miner's progress push (`state`, `progress`, `step`, `error`); a reported failure fails the run."""
    run = _locked(run_id)
    state, _created = MinerRunState.objects.get_or_create(run=run, miner=miner)
    state.state = body["state"]
    state.progress = body["progress"]
    state.step = body.get("step", "")[:200]
    state.error = body.get("error", "")[:300]
    state.save()
    if body["state"] == "failed" and run.state == AnalysisRun.State.FAILED:
        _add_reason(run, failures.code(failures.MINER_FAILED, miner, state.error))
    if run.state not in live.FINAL_STATES:
        if body["state"] == "failed":
            _fail(run, failures.code(failures.MINER_FAILED, miner, state.error))
            return run
        if run.state == AnalysisRun.State.STARTING and body["state"] in ("running", "done"):
            run.state = AnalysisRun.State.RUNNING
            run.save(update_fields=["state"])
    live.notify(run)
    return run


def do_record_outputs(run_id, miner: int, body: dict, raw_outputs) -> AnalysisRun:
    """A miner's signed output shares; with the third, reconstruct and finish the run.

    `body` is the validated push (OutputsSerializer), `raw_outputs` its `outputs` exactly as sent: the
    signature covers those, and they must equal the validated ones, which alone are stored and
    reconstructed. A bad signature, outputs not exactly as documented, counts that disagree or
    inconsistent shares fail the run (the reason says which miner, analysis or component). A finished
    run is announced (`signals.run_finished`): the reports app drafts its report.
    """
    run, finished = _record_outputs(run_id, miner, body, raw_outputs)
    if finished:
        signals.run_finished.send(sender=AnalysisRun, run=run)  # the reports app drafts the report
    return run


@transaction.atomic
def _record_outputs(run_id, miner: int, body: dict, raw_outputs) -> tuple[AnalysisRun, bool]:
    run = _locked(run_id)
    if run.state in live.FINAL_STATES:
        raise RunConflict("the run is already finished")
    state, _created = MinerRunState.objects.get_or_create(run=run, miner=miner)
    if state.outputs is not None:
        if state.outputs.get("digest") == body["digest"]:
            return run, False  # the same push again (a retry after a lost answer)
        raise RunConflict("outputs of this miner were already received")
    try:
        if body["miner"] != miner:
            raise OutputsRejected(failures.NAMES_OTHER_MINER, miner, str(body["miner"]))
        check_signature(miner, str(run.run_id), body, raw_outputs)
    except OutputsRejected as exc:
        _fail(run, str(exc))
        return run, False
    state.outputs = {"outputs": body["outputs"], "digest": body["digest"]}
    state.save(update_fields=["outputs", "updated_at"])
    received = list(run.miner_states.filter(outputs__isnull=False).order_by("miner"))
    if len(received) < MINERS:
        live.notify(run)
        return run, False
    try:
        results = reconstruct(run.request, [s.outputs["outputs"] for s in received])
    except OutputsRejected as exc:
        _fail(run, str(exc))
        return run, False
    except Exception as exc:  # second safeguard (reconstruct raises only OutputsRejected): never a 500
        # that leaves the run running. Only the type is logged: a message might quote a value.
        logger.error("run %s: reconstruction failed with %s", run.run_id, type(exc).__name__)
        _fail(run, failures.code(failures.NOT_RECONSTRUCTED, miner, type(exc).__name__))
        return run, False
    run.results = results
    run.state = AnalysisRun.State.DONE
    run.error = ""
    run.finished_at = timezone.now()
    run.save(update_fields=["results", "state", "error", "finished_at"])
    run.miner_states.update(outputs=None)  # the shares served their purpose
    audit.record(AuditEvent.Kind.ANALYSIS_FINISHED, None, None, run=str(run.run_id), period=run.period_id)
    live.notify(run)
    return run, True
