"""runner.run_local: a failing party stops the run at once and is the error reported."""

import time

import numpy as np
import pytest

from mpc_engine.protocols.arithmetic import reveal
from mpc_engine.runner import run_with_inputs


class Boom(RuntimeError):
    pass


def _fails_at_party_1(party, x):
    if party.pid == 1:
        raise Boom("party 1's own error")
    return reveal(party, x)


def test_a_failing_party_does_not_leave_the_others_waiting_out_the_timeout():
    start = time.monotonic()
    with pytest.raises(Boom):
        run_with_inputs(_fails_at_party_1, [np.arange(4, dtype=np.uint32)], timeout=20.0)
    assert time.monotonic() - start < 5


def test_a_finished_party_does_not_cut_off_the_messages_it_sent():
    result = run_with_inputs(reveal, [np.arange(5, dtype=np.uint32)])
    assert all(np.array_equal(out, np.arange(5)) for out in result.outputs)
