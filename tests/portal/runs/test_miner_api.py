"""The miners' pushes: progress and signed output shares need the miner's own credential, and
anything wrong with the outputs fails the run with a reason that names who, never a value."""

import base64
import copy

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from consortium.contract.messages import outputs_message
from consortium.portal.accounts.models import AuditEvent
from consortium.portal.runs.models import AnalysisRun, MinerRunState
from tests.portal.fake_miners import TINY_FIGURES, start_tiny_run


@pytest.fixture
def run(db, fake):
    return start_tiny_run(fake)


def progress(fake, client, run, miner=0, **body):
    return fake.post(client, miner, run.run_id, "progress",
                     {"state": "running", "progress": 0.25, "step": "validating", **body})


@pytest.mark.parametrize("what", ["progress", "outputs"])
@pytest.mark.parametrize("header", [None, "Miner 0 wrong-secret", "Miner 3 x", "Portal x", "Miner 0"])
def test_it_refuses_a_push_without_the_miners_credential(fake, client, run, what, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    body = {"state": "running", "progress": 0.5} if what == "progress" else {}
    response = client.post(f"/api/miner/runs/{run.run_id}/{what}", body, content_type="application/json",
                           **extra)
    assert response.status_code == 401
    assert not MinerRunState.objects.exists()


def test_a_miners_secret_never_authenticates_another_miner(fake, client, run):
    header = f"Miner 2 {fake.secrets[1]}"
    response = client.post(f"/api/miner/runs/{run.run_id}/progress", {"state": "running", "progress": 0.5},
                           content_type="application/json", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_it_records_a_miners_progress(fake, client, run):
    response = progress(fake, client, run, miner=1)
    assert response.status_code == 200
    assert response.json() == {"state": "running", "error": ""}
    state = MinerRunState.objects.get(run=run, miner=1)
    assert (state.state, state.progress, state.step) == ("running", 0.25, "validating")


@pytest.mark.parametrize("body", [{"progress": 1.5}, {"progress": -0.1}, {"state": "exploded"},
                                  {"step": "x" * 201}])
def test_it_validates_a_progress_push_at_the_edge(fake, client, run, body):
    assert progress(fake, client, run, **body).status_code == 400
    assert not MinerRunState.objects.exists()


def test_an_unknown_run_is_404(fake, client, run):
    response = fake.post(client, 0, "00000000-0000-0000-0000-000000000000", "progress",
                         {"state": "running", "progress": 0.5})
    assert response.status_code == 404


def test_a_miner_reporting_failure_fails_the_run(fake, client, run):
    progress(fake, client, run, miner=1, state="failed", error="peer 2 unreachable")
    run.refresh_from_db()
    assert run.state == AnalysisRun.State.FAILED
    assert run.reason == "Miner 2 reported a failure: peer 2 unreachable"
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.ANALYSIS_FAILED).detail["reason"] == run.error


def test_a_later_failure_adds_its_reason_to_the_first(fake, client, run):
    progress(fake, client, run, miner=2, state="failed", error="miner 1 (index 0) closed the channel")
    progress(fake, client, run, miner=0, state="failed", error="miner 2 (index 1) disconnected mid-run")
    progress(fake, client, run, miner=0, state="failed", error="miner 2 (index 1) disconnected mid-run")
    run.refresh_from_db()
    assert run.reason == ("Miner 3 reported a failure: miner 1 (index 0) closed the channel; "
                          "Miner 1 reported a failure: miner 2 (index 1) disconnected mid-run")
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.ANALYSIS_FAILED).count() == 1


def push_with(fake, client, run, miner, change):
    """The three miners' real outputs, a copy of `miner`'s changed in place by `change(outputs)`, then
    signed (by `miner`, so only what the portal checks after the signature can catch it)."""
    def tamper(i, outputs):
        if i != miner:
            return outputs
        outputs = copy.deepcopy(outputs)
        change(outputs)
        return outputs

    return fake.push(client, run.run_id, tamper=tamper)


def flip_a_bit(share):
    raw = bytearray(base64.b64decode(share["data"]))
    raw[0] ^= 1
    share["data"] = base64.b64encode(bytes(raw)).decode()


def assert_failed(run, reason):
    run.refresh_from_db()
    assert run.state == AnalysisRun.State.FAILED
    assert run.reason == reason
    assert run.results is None
    assert not MinerRunState.objects.filter(run=run, outputs__isnull=False).exists()
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.ANALYSIS_FAILED).detail["reason"] == run.error


def test_a_bad_signature_fails_the_run(fake, client, run):
    outputs = fake.compute(run.run_id)
    body = fake.sign(1, run.run_id, outputs[1])
    forged = Ed25519PrivateKey.generate().sign(outputs_message(1, str(run.run_id), body["digest"]))
    body["signature"] = base64.b64encode(forged).decode()
    response = fake.post(client, 1, run.run_id, "outputs", body)
    assert response.status_code == 400
    assert_failed(run, "The signature of Miner 2 over its outputs does not verify")


def test_outputs_changed_after_signing_fail_the_run(fake, client, run):
    outputs = fake.compute(run.run_id)
    body = fake.sign(0, run.run_id, outputs[0])
    body["outputs"][0]["count"] += 1
    assert fake.post(client, 0, run.run_id, "outputs", body).status_code == 400
    assert_failed(run, "The outputs of Miner 1 do not match their digest")


def test_inconsistent_shares_fail_the_run_naming_the_component(fake, client, run):
    answers = push_with(fake, client, run, 1, lambda outputs: flip_a_bit(outputs[0]["b"]))
    assert [a.status_code for a in answers] == [202, 202, 400]
    assert_failed(run, "The output shares of analysis 0 (sorted_indicator employees) are inconsistent: "
                       "component 2 differs between parties 1 and 2")


def test_counts_that_disagree_fail_the_run(fake, client, run):
    def more(outputs):
        outputs[1]["rejected"] += 1

    push_with(fake, client, run, 2, more)
    assert_failed(run, "The miners disagree on the counts of analysis 1 (sorted_indicator export_share)")


def test_a_share_array_of_the_wrong_length_fails_the_run(fake, client, run):
    def short(outputs):
        outputs[0]["a"]["data"] = base64.b64encode(base64.b64decode(outputs[0]["a"]["data"])[:-4]).decode()

    push_with(fake, client, run, 0, short)
    assert_failed(run, "Miner 1 sent a malformed share array for analysis 0 (sorted_indicator employees): "
                       "length is not 2 words")


def test_a_missing_analysis_fails_the_run(fake, client, run):
    push_with(fake, client, run, 2, lambda outputs: outputs.pop())
    assert_failed(run, "Miner 3 did not send exactly one output per analysis")


def test_outputs_naming_another_miner_fail_the_run(fake, client, run):
    outputs = fake.compute(run.run_id)
    body = fake.sign(1, run.run_id, outputs[1])
    assert fake.post(client, 0, run.run_id, "outputs", body).status_code == 400
    assert_failed(run, "Miner 1 sent outputs that name Miner 2")


def test_no_push_changes_a_finished_run(fake, client, run):
    fake.push(client, run.run_id)
    run.refresh_from_db()
    assert run.state == AnalysisRun.State.DONE
    outputs = fake.compute(run.run_id)
    again = fake.post(client, 0, run.run_id, "outputs", fake.sign(0, run.run_id, outputs[0]))
    assert again.status_code == 409
    progress(fake, client, run, miner=1, state="failed", error="late")
    run.refresh_from_db()
    assert run.state == AnalysisRun.State.DONE and run.error == ""


def test_the_reasons_hold_no_figure(fake, client, run):
    """Every failure reason above is a fixed sentence; here: the values themselves never appear."""
    def alter(outputs):
        outputs[1]["b"]["data"] = outputs[1]["a"]["data"]

    push_with(fake, client, run, 0, alter)
    run.refresh_from_db()
    assert run.state == AnalysisRun.State.FAILED
    for figures in TINY_FIGURES:
        for value in figures.values():
            if value is not None and value > 9:
                assert str(value) not in run.reason
