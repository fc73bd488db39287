"""Writes to a run's record, each one transaction. The worker's computation is never inside one."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from consortium.contract.messages import canonical_digest
from consortium.contract.run_request import MAX_ERROR_LENGTH, MAX_STEP_LENGTH
from miners.store.models import Run


class RunConflict(Exception):
    """The run id is known with other parameters."""


def do_accept_run(request: dict) -> tuple[Run, bool]:
    """(the run, whether it is new). The same request again is the same run (the portal's retry)."""
    digest = canonical_digest(request)
    try:
        with transaction.atomic():
            run, created = Run.objects.get_or_create(
                run_id=request["run_id"], defaults={"request": request, "request_digest": digest})
    except IntegrityError:  # a concurrent accept of the same run id won the insert
        run, created = Run.objects.get(run_id=request["run_id"]), False
    if not created and run.request_digest != digest:
        raise RunConflict("this run id is known with other parameters")
    return run, created


def do_progress(run_id: str, state: str, progress: float, step: str, error: str = "") -> Run:
    with transaction.atomic():
        run = Run.objects.select_for_update().get(run_id=run_id)
        run.state, run.progress = state, progress
        run.step, run.error = step[:MAX_STEP_LENGTH], error[:MAX_ERROR_LENGTH]
        run.save(update_fields=["state", "progress", "step", "error", "updated_at"])
    return run


def do_finish(run_id: str, outputs_body: dict) -> Run:
    """The signed outputs and "done", together: a finished run always has its outputs."""
    with transaction.atomic():
        run = Run.objects.select_for_update().get(run_id=run_id)
        run.outputs, run.state, run.progress, run.step, run.error = outputs_body, "done", 1.0, "finished", ""
        run.save(update_fields=["outputs", "state", "progress", "step", "error", "updated_at"])
    return run
