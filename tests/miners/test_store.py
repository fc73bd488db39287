"""The share store: stored shares are never changed, and a run reads exactly its own shares."""

import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from miners.intake.actions import Shares, TokenUsed, do_store, look_up
from miners.store.loading import MissingShares, load_inputs
from miners.store.models import Immutable, Share, Submission

pytestmark = pytest.mark.django_db


def stored(values, submitted, ring=32):
    sid = str(uuid.uuid4())
    do_store(0, Ed25519PrivateKey.generate(), f"{sid[:8]}" + "t" * 35,
             Shares(7, str(uuid.uuid4()), values, submitted), sid, ring)
    return sid


def test_a_stored_share_or_submission_cannot_be_changed_or_deleted():
    sid = stored({"employees": 5}, {"employees": 1})
    share = Share.objects.get()
    share.value = (6).to_bytes(8, "little")
    with pytest.raises(Immutable):
        share.save()
    with pytest.raises(Immutable):
        Submission.objects.get(submission_id=sid).delete()
    assert int.from_bytes(Share.objects.get().value, "little") == 5


def test_a_second_store_of_a_token_or_a_submission_id_stores_nothing():
    """Two requests with one token (or one submission id) that both passed the retry check: the store lets
    only the first in, and the second changes nothing."""
    key, token, sid = Ed25519PrivateKey.generate(), "k" * 43, str(uuid.uuid4())
    shares = Shares(7, str(uuid.uuid4()), {"employees": 5, "profit": 9}, {"employees": 1, "profit": 1})
    first = do_store(0, key, token, shares, sid, 32)
    with pytest.raises(TokenUsed):
        do_store(0, key, token, shares, str(uuid.uuid4()), 32)
    with pytest.raises(TokenUsed):
        do_store(0, key, "j" * 43, shares, sid, 32)
    assert Submission.objects.count() == 1 and Share.objects.count() == 2
    stored = Submission.objects.get()
    assert (str(stored.submission_id), stored.signature) == (sid, first.signature)
    values = {share.code: int.from_bytes(share.value, "little") for share in Share.objects.all()}
    assert values == {"employees": 5, "profit": 9}
    retry = look_up(token, shares).retry
    assert (str(retry.submission_id), retry.signature) == (sid, first.signature)
    with pytest.raises(TokenUsed):
        look_up(token, Shares(7, shares.form, {"employees": 6, "profit": 9}, shares.submitted))


def test_a_run_reads_its_columns_shares_and_leaves_gaps_to_zero():
    a = stored({"employees": 5, "profit": 2**32 - 1}, {"employees": 1, "profit": 0})
    b = stored({"employees": 7}, {"employees": 1})
    request = {"ring": 32, "columns": [a, b], "analyses": [
        {"kind": "sorted_indicator", "indicator": "employees"},
        {"kind": "time_series", "indicator": "profit", "rows": [[a, None], [a, b]]}]}
    assert load_inputs(request) == {(a, "employees"): (5, 1), (b, "employees"): (7, 1),
                                    (a, "profit"): (2**32 - 1, 0)}


def test_a_run_naming_a_submission_this_miner_lacks_fails_clearly():
    a = stored({"employees": 5}, {"employees": 1})
    request = {"ring": 32, "columns": [a, str(uuid.uuid4())],
               "analyses": [{"kind": "sorted_indicator", "indicator": "employees"}]}
    with pytest.raises(MissingShares, match="1 submission"):
        load_inputs(request)
    with pytest.raises(MissingShares, match="another ring"):
        load_inputs({**request, "columns": [a], "ring": 64})
