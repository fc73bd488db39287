"""A miner's outputs are stored and reconstructed exactly as validated: a push whose raw outputs differ
from what the serializer accepted (a value of another type, an unknown key) is refused with 400 and
fails the run naming the miner; any unexpected error while reconstructing fails the run too, so a run
is never left running behind a 500 (security review M1)."""

import copy

import pytest
from django.test import Client

from consortium.contract.messages import canonical_digest
from consortium.portal.runs import actions, reconstruct, tasks
from consortium.portal.runs.models import AnalysisRun, MinerRunState
from tests.portal.fake_miners import start_tiny_run

NOT_AS_DOCUMENTED = ("Miner 1 sent outputs that are not exactly in the documented format "
                     "(a value of another type, or an unknown key)")


@pytest.fixture
def run(db, fake):
    return start_tiny_run(fake)


@pytest.fixture
def client():
    return Client(raise_request_exception=False)  # a 500 is an answer here, not an exception


def push_all(fake, client, run, first):
    """Miner 0 pushes `first` (signed by it), then miners 1 and 2 their real outputs."""
    outputs = fake.compute(run.run_id)
    answers = [fake.post(client, 0, run.run_id, "outputs", fake.sign(0, run.run_id, first(outputs[0])))]
    answers += [fake.post(client, i, run.run_id, "outputs", fake.sign(i, run.run_id, outputs[i]))
                for i in (1, 2)]
    return [a.status_code for a in answers]


def changed(change):
    def apply(outputs):
        outputs = copy.deepcopy(outputs)
        change(outputs)
        return outputs
    return apply


def assert_failed_naming_miner_0(run, reason=NOT_AS_DOCUMENTED):
    run.refresh_from_db()
    assert run.state == AnalysisRun.State.FAILED
    assert run.reason == reason
    assert not MinerRunState.objects.filter(run=run, outputs__isnull=False).exists()


def test_an_analysis_index_sent_as_a_string_is_refused_and_fails_the_run(fake, client, run):
    """The reviewer's repro: "1" passed the serializer, the raw string reached reconstruction (500)."""
    answers = push_all(fake, client, run, changed(lambda o: o[1].update(analysis="1")))
    assert answers == [400, 409, 409]
    assert_failed_naming_miner_0(run)


def test_the_failed_run_can_be_restarted(fake, client, run):
    push_all(fake, client, run, changed(lambda o: o[1].update(analysis="1")))
    run.refresh_from_db()
    again = tasks.restart_run(run, run.started_by)
    assert again.state == AnalysisRun.State.RUNNING


def test_an_unknown_key_of_a_megabyte_is_refused_and_not_stored(fake, client, run):
    outputs = fake.compute(run.run_id)
    bloated = copy.deepcopy(outputs[0])
    bloated[0]["junk"] = "x" * 1_000_000
    response = fake.post(client, 0, run.run_id, "outputs", fake.sign(0, run.run_id, bloated))
    assert response.status_code == 400
    assert response.json() == {"state": "failed", "error": NOT_AS_DOCUMENTED}
    assert_failed_naming_miner_0(run)


@pytest.mark.parametrize("change", [
    lambda o: o[0].update(count=float(o[0]["count"])),  # 2.0 is not 2
    lambda o: o[0]["a"].update(extra=1),  # an unknown key in a share array
    lambda o: o[0].update(rejected=1, count=str(o[0]["count"])),
], ids=["float-count", "share-array-key", "string-count"])
def test_any_value_the_serializer_would_reshape_is_refused(fake, client, run, change):
    assert push_all(fake, client, run, changed(change))[0] == 400
    assert_failed_naming_miner_0(run)


def test_the_stored_outputs_are_the_validated_ones(fake, client, run):
    outputs = fake.compute(run.run_id)
    response = fake.post(client, 0, run.run_id, "outputs", fake.sign(0, run.run_id, outputs[0]))
    assert response.status_code == 202
    stored = MinerRunState.objects.get(run=run, miner=0).outputs
    assert stored["outputs"] == outputs[0]
    assert canonical_digest(stored["outputs"]) == stored["digest"]


def test_an_unexpected_error_while_reconstructing_fails_the_run_instead_of_a_500(fake, client, run,
                                                                               monkeypatch):
    def broken(*args):
        raise TypeError("'<' not supported between instances of 'str' and 'int'")

    monkeypatch.setattr(reconstruct, "_agreed_counts", broken)
    assert push_all(fake, client, run, lambda outputs: outputs) == [202, 202, 400]
    run.refresh_from_db()
    assert run.state == AnalysisRun.State.FAILED
    assert run.reason == ("The output shares of analysis 0 (sorted_indicator employees) could not be "
                         "reconstructed (TypeError)")


def test_the_last_safeguard_names_the_miner_that_arrived_last(fake, client, run, monkeypatch):
    def broken(*args):
        raise RuntimeError("anything")

    monkeypatch.setattr(actions, "reconstruct", broken)
    assert push_all(fake, client, run, lambda outputs: outputs) == [202, 202, 400]
    run.refresh_from_db()
    assert run.state == AnalysisRun.State.FAILED
    assert run.reason == ("The miners' outputs could not be reconstructed (RuntimeError); the last to "
                         "arrive came from Miner 3")
