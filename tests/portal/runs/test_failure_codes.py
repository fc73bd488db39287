"""A run's failure is stored as a code (safe in the audit log, the same in every language) and shown as
a sentence in the reader's language, miners numbered from 1."""

import pytest
from django.utils import translation

from consortium.portal.runs import failures

KINDS = [value for name, value in vars(failures).items() if name.isupper() and isinstance(value, str)
         and name != "MAX_DETAIL"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_its_own_sentence(kind):
    with translation.override("en"):
        sentence = failures.describe(failures.code(kind, 1, "analysis 0 (ratio x): why"))
    assert sentence and sentence != "The analysis failed."


def test_it_names_miners_from_1_and_keeps_the_detail():
    with translation.override("en"):
        assert failures.describe("not_accepted:0:HTTP 503") == "Miner 1 did not accept the run (HTTP 503)"
        assert failures.describe("names_other_miner:0:2") == "Miner 1 sent outputs that name Miner 3"


def test_several_reasons_are_joined_and_shown_in_order():
    codes = failures.join([failures.code(failures.RUN_REFUSED, 0), failures.code(failures.NOT_ACCEPTED, 2,
                                                                                  "timeout")])
    with translation.override("en"):
        assert failures.describe(codes) == ("Miner 1 refused the run: it knows this run id with other "
                                            "parameters; Miner 3 did not accept the run (timeout)")


def test_a_detail_cannot_split_the_code():
    code = failures.code(failures.MINER_FAILED, 1, "peer 2; unreachable\nnow")
    assert code == "miner_failed:1:peer 2, unreachable now"
    with translation.override("en"):
        assert failures.describe(code) == "Miner 2 reported a failure: peer 2, unreachable now"


def test_the_timeout_names_the_limit_in_the_readers_language():
    with translation.override("et"):
        assert "2" in failures.describe("timeout::7200")
