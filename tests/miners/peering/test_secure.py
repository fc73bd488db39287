"""The channel's cryptography without I/O: each attack on a record or a handshake is refused,
and the error names the peer (and carries no key)."""

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from miners.peering.secure import (
    FRAME_START,
    AuthenticationFailed,
    HandshakeError,
    Initiator,
    Responder,
    VersionMismatch,
    new_run_id,
    pairwise_keys,
    parse_public_key,
    public_key_b64,
)

IDS = [Ed25519PrivateKey.generate() for _ in range(3)]
PUB = [k.public_key() for k in IDS]


def handshake(low, high, run_id, *, low_key=None, high_believes=None, versions=(1, 1)):
    """Sessions (low's, high's) of one pair; low dials high."""
    init = Initiator(low, high, run_id, low_key or IDS[low], PUB[high], versions[0])
    peers = {j: PUB[j] for j in range(3) if j != high}
    if high_believes is not None:
        peers[low] = high_believes
    resp = Responder(high, IDS[high], peers, versions[1])
    confirm = init.on_reply(resp.on_hello(init.hello()))
    ready, high_session = resp.on_confirm(confirm)
    return init.on_ready(ready), high_session


@pytest.fixture
def pair():
    return handshake(0, 1, new_run_id())


def test_a_record_goes_through_in_order(pair):
    a, b = pair
    for n in range(3):
        assert b.open(a.seal(FRAME_START, b"share %d" % n)) == (FRAME_START, b"share %d" % n)
    assert a.open(b.seal(FRAME_START, b"back")) == (FRAME_START, b"back")


def test_reordered_records_are_refused(pair):
    a, b = pair
    first, second = a.seal(FRAME_START, b"1"), a.seal(FRAME_START, b"2")
    with pytest.raises(AuthenticationFailed, match="^miner 0: message out of sequence"):
        b.open(second)
    assert first  # never delivered: the session is poisoned now
    with pytest.raises(AuthenticationFailed, match="^miner 0"):
        b.open(first)


def test_a_duplicated_record_is_refused(pair):
    a, b = pair
    record = a.seal(FRAME_START, b"once")
    b.open(record)
    with pytest.raises(AuthenticationFailed, match="^miner 0: message out of sequence"):
        b.open(record)


@pytest.mark.parametrize("position", [0, 7, 8, 9, 20, -1])
def test_a_flipped_bit_anywhere_is_refused(pair, position):
    a, b = pair
    record = bytearray(a.seal(FRAME_START, b"x" * 32))
    record[position] ^= 0x01
    with pytest.raises(AuthenticationFailed, match="^miner 0: message (authentication failed|out of seq)"):
        b.open(bytes(record))


@pytest.mark.parametrize("keep", [0, 5, 9, 24, 40])
def test_a_truncated_record_is_refused(pair, keep):
    a, b = pair
    record = a.seal(FRAME_START, b"y" * 32)
    with pytest.raises(AuthenticationFailed, match="^miner 0: message authentication failed"):
        b.open(record[:keep])


def test_a_record_from_another_sender_is_refused():
    run_id = new_run_id()
    _, one_from_zero = handshake(0, 1, run_id)
    two_to_one, _ = (lambda s: (s[1], s[0]))(handshake(1, 2, run_id))
    spoofed = two_to_one.seal(FRAME_START, b"from miner 2")  # pushed onto miner 0's link
    with pytest.raises(AuthenticationFailed, match="^miner 0: message authentication failed"):
        one_from_zero.open(spoofed)


def test_a_record_replayed_from_another_run_is_refused():
    old_zero, _ = handshake(0, 1, new_run_id())
    _, new_one = handshake(0, 1, new_run_id())
    with pytest.raises(AuthenticationFailed, match="^miner 0: message authentication failed"):
        new_one.open(old_zero.seal(FRAME_START, b"last week's share"))


def test_the_same_run_twice_has_fresh_keys():
    run_id = new_run_id()
    first, _ = handshake(0, 1, run_id)
    _, second = handshake(0, 1, run_id)  # ephemeral keys: a replayed connection gets nowhere
    with pytest.raises(AuthenticationFailed, match="^miner 0"):
        second.open(first.seal(FRAME_START, b"replayed"))
    assert first.prf_key != second.prf_key


def test_a_stranger_dialing_as_miner_0_cannot_complete_the_handshake():
    stranger = Ed25519PrivateKey.generate()
    init = Initiator(0, 1, new_run_id(), stranger, PUB[1])
    resp = Responder(1, IDS[1], {0: PUB[0], 2: PUB[2]})
    # miner 1 signs a transcript holding the key it expects from miner 0: the stranger's differs
    with pytest.raises(HandshakeError, match="^miner 1: handshake signature does not match"):
        init.on_reply(resp.on_hello(init.hello()))


def test_a_confirmation_signed_by_an_unknown_key_is_refused():
    run_id = new_run_id()
    stranger = Ed25519PrivateKey.generate()
    # the stranger knows miner 0's public key and claims to be miner 0
    init = Initiator(0, 1, run_id, IDS[0], PUB[1])
    resp = Responder(1, IDS[1], {0: PUB[0], 2: PUB[2]})
    init.on_reply(resp.on_hello(init.hello()))
    forged = b"MPCH\x04\x00\x01" + stranger.sign(b"initiator" + resp._t)
    with pytest.raises(HandshakeError, match="^miner 0: handshake signature does not match") as err:
        resp.on_confirm(forged)
    assert err.value.__class__ is HandshakeError
    assert resp.refusal_for(err.value)[4] == 3  # answered with REFUSE


def test_a_responder_with_an_unknown_key_is_refused_by_the_initiator():
    init = Initiator(0, 1, new_run_id(), IDS[0], PUB[1])
    impostor = Responder(1, Ed25519PrivateKey.generate(), {0: PUB[0], 2: PUB[2]})
    with pytest.raises(HandshakeError, match="^miner 1: handshake signature does not match"):
        init.on_reply(impostor.on_hello(init.hello()))


@pytest.mark.parametrize("claims", [2, 1, 5])
def test_a_hello_from_a_miner_that_may_not_dial_us_is_refused(claims):
    resp = Responder(1, IDS[1], {0: PUB[0], 2: PUB[2]})
    hello = Initiator(0, 1, new_run_id(), IDS[0], PUB[1]).hello()
    spoofed = hello[:7] + bytes([claims]) + hello[8:]  # miner 2 must be dialed by 1, not dial it
    with pytest.raises(HandshakeError, match=f"miner {claims}"):
        resp.on_hello(spoofed)


def test_another_protocol_version_is_refused_at_both_ends_saying_which():
    init = Initiator(0, 1, new_run_id(), IDS[0], PUB[1], version=2)
    resp = Responder(1, IDS[1], {0: PUB[0], 2: PUB[2]}, version=1)
    with pytest.raises(VersionMismatch) as at_responder:
        resp.on_hello(init.hello())
    assert str(at_responder.value) == "miner 0 speaks peer protocol version 2, this miner speaks version 1"
    with pytest.raises(VersionMismatch) as at_initiator:
        init.on_reply(resp.refusal_for(at_responder.value))
    assert str(at_initiator.value) == "miner 1 speaks peer protocol version 1, this miner speaks version 2"


def test_garbage_instead_of_a_handshake_is_refused():
    resp = Responder(2, IDS[2], {0: PUB[0], 1: PUB[1]})
    for junk in (b"", b"GET / HTTP/1.1", None):
        with pytest.raises(HandshakeError, match="^a peer: malformed handshake message"):
            resp.on_hello(junk)


def test_pairwise_keys_agree_across_each_pair_and_differ_between_pairs():
    run_id = new_run_id()
    s01, s10 = handshake(0, 1, run_id)
    s02, s20 = handshake(0, 2, run_id)
    s12, s21 = handshake(1, 2, run_id)
    keys = [pairwise_keys(0, {1: s01, 2: s02}), pairwise_keys(1, {0: s10, 2: s12}),
            pairwise_keys(2, {0: s20, 1: s21})]
    for i in range(3):
        own, next_key = keys[i]
        assert len(own) == len(next_key) == 16
        assert own == keys[(i + 2) % 3][1]  # k_i: the pair (i-1, i)
        assert next_key == keys[(i + 1) % 3][0]  # k_{i+1}: the pair (i, i+1)
    assert len({k for pair in keys for k in pair}) == 3


def test_no_error_or_repr_shows_key_material(pair):
    a, b = pair
    secrets = [a.prf_key, a._prf_key]
    texts = [repr(a), repr(b)]
    try:
        b.open(b"\0" * 40)
    except AuthenticationFailed as exc:
        texts.append(str(exc))
    for text in texts:
        for secret in secrets:
            assert secret.hex() not in text and base64.b64encode(secret).decode() not in text


def test_configured_public_keys_are_parsed_strictly():
    assert parse_public_key(public_key_b64(IDS[2]), "miner 2") is not None
    with pytest.raises(ValueError, match="^miner 2: public key is not base64"):
        parse_public_key("not base64!", "miner 2")
    with pytest.raises(ValueError, match="^miner 2: public key must be 32 raw bytes"):
        parse_public_key(base64.b64encode(b"short").decode(), "miner 2")


def test_the_core_imports_no_django_or_channels():
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[3] / "miners" / "peering"
    for name in ("__init__.py", "secure.py", "transport.py", "node.py"):
        tree = ast.parse((root / name).read_text())
        modules = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        modules |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not {m for m in modules if m.split(".")[0] in ("django", "channels", "consortium")}, name
