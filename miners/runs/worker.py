"""One miner's part of a run: load its shares, compute with the two peers, sign and push the outputs.

Progress is recorded in the run's row and pushed to the portal (best effort: the portal polls
`GET /api/runs/<id>` when a push is lost). Only the finished, signed outputs are ever stored; a run that
is executed again recomputes from the stored shares, or, when it had finished, pushes the same signed
outputs again (the portal accepts the same push twice).
"""

from __future__ import annotations

import logging
import re
import time
import traceback
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

from consortium.contract import keys
from consortium.contract.messages import canonical_digest, outputs_message
from miners import metrics
from miners.identity.keys import NoIdentity, signing_key
from miners.portal import Portal, PortalUnavailable
from miners.store.loading import MissingShares, load_inputs
from miners.store.models import Run
from mpc_engine.party import Party
from mpc_engine.ring import ring_for
from mpc_engine.transport.framing import PeerDisconnected, PeerTimeout, ProtocolError

from . import actions, computation, peers

log = logging.getLogger(__name__)

# Failures whose text is safe to send to the portal and to log: they name a peer, a count or a setting,
# never a share. Anything else is reported by its type only.
EXPLAINED = (peers.NoPeerChannel, PeerTimeout, PeerDisconnected, ProtocolError, MissingShares, NoIdentity)


@dataclass(frozen=True)
class Miner:
    """Who this worker computes as: its index, its signing key, its portal, its way to the peers."""

    index: int
    key: Ed25519PrivateKey
    portal: Portal
    connect_peers: peers.ConnectPeers

    @classmethod
    def from_settings(cls) -> Miner:
        return cls(settings.MINER_INDEX, signing_key(), Portal.from_settings(), peers.configured())


def execute(run_id: str, miner: Miner) -> None:
    run = Run.objects.get(run_id=run_id)
    if run.outputs is not None:
        _push_outputs(miner, run_id, run.outputs)
        _report(miner, run_id, "done", 1.0, "finished")
        return
    started = time.monotonic()
    try:
        _report(miner, run_id, "running", 0.0, "loading the shares")
        inputs = load_inputs(run.request)
        outputs = _compute(miner, run_id, run.request, inputs)
        body = signed_outputs(miner.index, miner.key, run_id, outputs)
        actions.do_finish(run_id, body)
    except Exception as exc:  # noqa: BLE001 - every failure must reach the portal as a failed run
        reason = _reason(exc)
        log.error("run %s failed: %s\n%s", run_id, reason, "".join(traceback.format_tb(exc.__traceback__)))
        _report(miner, run_id, "failed", 0.0, "failed", reason)
        metrics.run_finished("failed", time.monotonic() - started)
        return
    metrics.run_finished("done", time.monotonic() - started)
    _push_outputs(miner, run_id, body)
    _report(miner, run_id, "done", 1.0, "finished")


def _compute(miner: Miner, run_id: str, request: dict, inputs) -> list[dict]:
    transport = miner.connect_peers(run_id, miner.index)
    try:
        party = Party(transport, ring_for(request["ring"]))
        party.set_pairwise_keys(*transport.pairwise_keys())  # agreed by the channels, never sent
        last = {"fraction": 0.0, "step": ""}

        def on_step(fraction: float, step: str) -> None:
            last.update(fraction=fraction, step=step)
            _report(miner, run_id, "running", fraction, step)

        party.on_round = _every(ROUND_REPORT_SECONDS, lambda rounds: _report(
            miner, run_id, "running", last["fraction"], f"{last['step']}: round {rounds:,}"))
        outputs = computation.compute(party, request, inputs, on_step=on_step)
        metrics.RUN_ROUNDS.inc(party.rounds)
        return outputs
    finally:
        transport.close()


# A long run (a million values: minutes) shows it is alive: the round it is in, every 5 s at most. The
# fraction stays the last step's: the rounds a request takes are not known before it runs.
ROUND_REPORT_SECONDS = 5.0


def _every(seconds: float, report):
    """`report(rounds)` at most once per `seconds`, as the engine's round callback (cheap otherwise)."""
    due = [time.monotonic() + seconds]

    def on_round(rounds: int) -> None:
        now = time.monotonic()
        if now >= due[0]:
            due[0] = now + seconds
            report(rounds)

    return on_round


def signed_outputs(index: int, key: Ed25519PrivateKey, run_id: str, outputs: list[dict]) -> dict:
    digest = canonical_digest(outputs)
    return {"miner": index, "outputs": outputs, "digest": digest,
            "signature": keys.sign(key, outputs_message(index, run_id, digest))}


def _reason(exc: Exception) -> str:
    if isinstance(exc, EXPLAINED):
        return for_people(str(exc))
    return f"internal error ({type(exc).__name__}); the miner's log has the details"


_MINER_INDEX = re.compile(r"\bminer ([0-2])\b")


def for_people(text: str) -> str:
    """The channel's errors name a peer by its index ("miner 1"); people number the miners from 1, as the
    portal's pages do: "miner 2 (index 1)"."""
    return _MINER_INDEX.sub(lambda m: f"miner {int(m[1]) + 1} (index {m[1]})", text)


def _report(miner: Miner, run_id: str, state: str, progress: float, step: str, error: str = "") -> None:
    run = actions.do_progress(run_id, state, progress, step, error)
    try:
        miner.portal.push_progress(run_id, run.progress_body())
    except PortalUnavailable as exc:
        log.warning("run %s: progress not pushed (%s); the portal will ask", run_id, exc)


def _push_outputs(miner: Miner, run_id: str, body: dict) -> None:
    try:
        miner.portal.push_outputs(run_id, body)
    except PortalUnavailable as exc:
        log.error("run %s: outputs not pushed (%s); run the task again to push them", run_id, exc)
