"""A run's live status: the JSON the progress page shows, pushed over Channels and polled as a fallback.

No figure and no share is ever in it: states, progress fractions, steps, the failure reason.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils.translation import gettext as _

from consortium.contract import MINERS
from consortium.portal.minerlink import client as miner_client

from .models import AnalysisRun

logger = logging.getLogger(__name__)

FINAL_STATES = (AnalysisRun.State.DONE, AnalysisRun.State.FAILED)


def miner_state_labels() -> dict[str, str]:
    return {"queued": _("queued"), "running": _("running"), "done": _("done"), "failed": _("failed"),
            "waiting": _("waiting for the miner")}


def group_name(run_id) -> str:
    return f"run-{run_id}"


def run_status(run: AnalysisRun) -> dict:
    labels = miner_state_labels()
    states = {s.miner: s for s in run.miner_states.all()}
    miners = []
    for i in range(MINERS):
        s = states.get(i)
        state = s.state if s else "waiting"
        miners.append({"miner": i, "state": state, "state_label": labels.get(state, state),
                       "progress": s.progress if s else 0.0, "step": s.step if s else "",
                       "error": miner_client.for_people(s.error) if s else "",
                       "outputs_received": bool(s and s.outputs)})
    done = run.state == AnalysisRun.State.DONE
    progress = 1.0 if done else sum(m["progress"] for m in miners) / MINERS
    return {
        "run_id": str(run.run_id),
        "state": run.state,
        "state_label": run.get_state_display(),
        "progress": round(progress, 4),
        "error": run.reason,
        "finished": run.state in FINAL_STATES,
        "miners": miners,
    }


def notify(run: AnalysisRun) -> None:
    """After the current transaction commits, push the run's status to its progress pages."""
    run_pk = run.pk
    transaction.on_commit(lambda: _push(run_pk), robust=True)


def _push(run_pk: int) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    run = AnalysisRun.objects.get(pk=run_pk)
    try:
        message = {"type": "run.update", "status": run_status(run)}
        async_to_sync(layer.group_send)(group_name(run.run_id), message)
    except Exception:  # a dead channel layer must not fail a miner's push; pages fall back to polling
        logger.warning("could not push the status of run %s to its pages", run.run_id, exc_info=True)
