"""Pinned peer keys (miners/pins/): `add_peer` pins only a key whose fingerprint matches, a rotation is
accepted only when signed by the pinned key, the handshake then works with the new key, and the old key
stops after MINER_KEY_GRACE_SECONDS (the clock moved, not slept)."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.utils import timezone

from consortium.contract import keys
from consortium.contract.rotation import sign_rotation
from miners.peering import configured
from miners.peering.secure import HandshakeError, Initiator, Responder, new_run_id
from miners.pins import store

pytestmark = pytest.mark.django_db


class _Identity(BaseHTTPRequestHandler):
    answer = {}

    def do_GET(self):  # noqa: N802 - http.server's name
        body = json.dumps(self.answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve_identity(index: int):
    """A peer answering /api/identity as miner `index` with a fresh key: (server, url, its public key)."""
    public = keys.encode_public_key(Ed25519PrivateKey.generate())
    handler = type("H", (_Identity,), {"answer": {"miner_index": index, "public_key": public}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}", public


@pytest.fixture
def peer_identity():
    """A peer (index 1) answering /api/identity with a fresh key: (url, its public key)."""
    server, url, public = serve_identity(1)
    yield url, public
    server.shutdown()
    server.server_close()


@pytest.fixture
def two_peers():
    """Peers index 1 and 2 of miner 0: [(url, public key), (url, public key)]."""
    servers = [serve_identity(j) for j in (1, 2)]
    yield [(url, public) for _, url, public in servers]
    for server, _, _ in servers:
        server.shutdown()
        server.server_close()


def test_add_peer_refuses_a_wrong_fingerprint_and_pins_nothing(peer_identity):
    url, public = peer_identity
    before = store.peer(1).public_key
    wrong = keys.fingerprint(keys.encode_public_key(Ed25519PrivateKey.generate()))
    with pytest.raises(CommandError, match="FINGERPRINT MISMATCH"):
        call_command("add_peer", url, wrong)
    assert store.peer(1).public_key == before and not store.peer(1).pinned


def test_add_peer_pins_the_key_whose_fingerprint_matches(peer_identity, capsys):
    url, public = peer_identity
    call_command("add_peer", url, keys.fingerprint(public).lower())  # case and spacing do not matter
    pinned = store.peer(1)
    assert pinned.pinned and pinned.public_key == public and pinned.url == url
    assert "Pinned miner 2 (index 1)" in capsys.readouterr().out


def test_add_peer_pins_both_peers_in_one_command(two_peers, capsys):
    (url1, key1), (url2, key2) = two_peers
    call_command("add_peer", url1, keys.fingerprint(key1), url2 + "/", keys.fingerprint(key2))
    assert (store.peer(1).public_key, store.peer(1).url) == (key1, url1)
    assert (store.peer(2).public_key, store.peer(2).url) == (key2, url2)
    assert "Both peers are pinned" in capsys.readouterr().out


def test_add_peer_pins_neither_when_the_second_fingerprint_is_wrong(two_peers):
    (url1, key1), (url2, _) = two_peers
    wrong = keys.fingerprint(keys.encode_public_key(Ed25519PrivateKey.generate()))
    with pytest.raises(CommandError, match="FINGERPRINT MISMATCH"):
        call_command("add_peer", url1, keys.fingerprint(key1), url2, wrong)
    assert not store.peer(1).pinned and not store.peer(2).pinned


def test_add_peer_refuses_an_odd_argument_count_and_the_same_peer_twice(peer_identity):
    url, public = peer_identity
    with pytest.raises(CommandError, match="URL FINGERPRINT"):
        call_command("add_peer", url, keys.fingerprint(public), url)
    with pytest.raises(CommandError, match="both URLs answer as miner index 1"):
        call_command("add_peer", url, keys.fingerprint(public), url, keys.fingerprint(public))
    assert not store.peer(1).pinned


def rotate(client, signer, new, miner=1):
    return client.post("/api/identity/rotation", sign_rotation(miner, signer, new).as_json(),
                       content_type="application/json")


def handshake(initiator_key, accepted_for_responder, responder_key, responder_believes):
    """Miner 0 dials miner 1; returns whether both ends agree on a session."""
    init = Initiator(0, 1, new_run_id(), initiator_key, accepted_for_responder)
    resp = Responder(1, responder_key, {0: responder_believes, 2: Ed25519PrivateKey.generate().public_key()})
    ready, theirs = resp.on_confirm(init.on_reply(resp.on_hello(init.hello())))
    return init.on_ready(ready).prf_key == theirs.prf_key


def test_a_rotation_signed_by_the_pinned_key_is_followed_and_the_old_key_ends_with_the_grace(
        client, miner_keys, settings, monkeypatch):
    settings.MINER_KEY_GRACE_SECONDS = 600
    new = Ed25519PrivateKey.generate()
    answer = rotate(client, miner_keys[1], new)  # miner 1's settings key is the first pin
    assert answer.status_code == 200 and answer.json() == {"result": "accepted"}
    assert rotate(client, miner_keys[1], new).json() == {"result": "already applied"}
    identity, accepted = configured.current_keys()
    assert [keys.encode_public_key(k) for k in accepted[1]] == [keys.encode_public_key(new),
                                                                keys.encode_public_key(miner_keys[1])]
    me = miner_keys[0].public_key()
    assert handshake(identity, accepted[1], new, me)  # the handshake works with the new key
    assert handshake(identity, accepted[1], miner_keys[1], me)  # and the old one, during the grace
    later = timezone.now() + timedelta(seconds=601)
    monkeypatch.setattr(timezone, "now", lambda: later)
    _, accepted = configured.current_keys()
    assert handshake(identity, accepted[1], new, me)
    with pytest.raises(HandshakeError, match="^miner 1: handshake signature does not match"):
        handshake(identity, accepted[1], miner_keys[1], me)


def test_a_rotation_not_signed_by_the_pinned_key_is_refused(client, miner_keys):
    stranger, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    body = sign_rotation(1, stranger, new).as_json()
    body["old_public_key"] = keys.encode_public_key(miner_keys[1])  # claims to start from the pinned key
    answer = client.post("/api/identity/rotation", body, content_type="application/json")
    assert answer.status_code == 403 and "not signed by the key pinned for miner 1" in answer.json()["detail"]
    answer = rotate(client, stranger, new)  # starts from its own key
    assert answer.status_code == 403 and "not the one pinned" in answer.json()["detail"]
    assert store.peer(1).public_key == keys.encode_public_key(miner_keys[1])
    # a rotation of this miner's own key, or garbage, is no peer's
    assert rotate(client, miner_keys[0], new, miner=0).status_code == 403
    assert client.post("/api/identity/rotation", "[", content_type="application/json").status_code == 400


def test_identity_answers_this_miners_key(client, miner_keys):
    body = client.get("/api/identity").json()
    public = keys.encode_public_key(miner_keys[0])
    assert body == {"miner_index": 0, "public_key": public, "fingerprint": keys.fingerprint(public)}


def test_rotate_identity_replaces_the_key_file_atomically_and_tells_who_did_not_get_it(
        tmp_path, settings, miner_keys, capsys):
    from miners.identity.keys import encode_private_key, signing_key

    path = tmp_path / "identity.key"
    path.write_text(encode_private_key(miner_keys[0]) + "\n")
    path.chmod(0o600)
    settings.MINER_IDENTITY_KEY_PATH = str(path)
    settings.PORTAL_URL = "http://127.0.0.1:9"  # nobody answers: the delivery fails, and says so
    settings.MINER_PEERS = {j: {"url": "http://127.0.0.1:9",
                                "public_key": keys.encode_public_key(miner_keys[j])} for j in (1, 2)}
    with pytest.raises(CommandError, match="rotate_identity --resend"):
        call_command("rotate_identity")
    assert keys.encode_public_key(signing_key()) != keys.encode_public_key(miner_keys[0])
    assert (path.stat().st_mode & 0o777) == 0o600
    assert (tmp_path / "identity.key.previous").read_text().strip() == encode_private_key(miner_keys[0])
    assert "not delivered" in capsys.readouterr().out


def test_a_production_miner_whose_peers_are_pinned_passes_the_system_checks(settings, miner_keys):
    from consortium.checks import check_miner_own_settings

    settings.MINER_PEERS = {j: {"url": "", "public_key": "", "channel_url": ""} for j in (1, 2)}
    with override_production(settings):
        assert any("MINER_PEER_1_PUBLIC_KEY is not set" in e.msg for e in check_miner_own_settings())
        for j in (1, 2):
            store.pin(j, f"https://miner{j}.example.org", keys.encode_public_key(miner_keys[j]))
        assert check_miner_own_settings() == []


def override_production(settings):
    from django.test import override_settings

    return override_settings(DEPLOYMENT_ENV="production", PORTAL_URL="https://portal.example.org",
                             PORTAL_SECRET="s" * 43, CELERY_TASK_ALWAYS_EAGER=False,
                             MINER_PEER_LISTEN="127.0.0.1:8101")


def test_a_run_first_delivers_a_rotation_to_whoever_missed_it(settings, miner_keys, monkeypatch):
    from miners.identity import rotation as own

    settings.PORTAL_URL = "https://portal.example.org"
    settings.MINER_PEERS = {j: {"url": f"https://m{j}.example.org",
                                "public_key": keys.encode_public_key(miner_keys[j])} for j in (1, 2)}
    statement = sign_rotation(0, miner_keys[0], Ed25519PrivateKey.generate())
    row = own.own_rotation_from(statement)
    row.delivered_to = ["portal", "miner 2 (index 1)"]
    row.save()
    sent = []
    monkeypatch.setattr(own, "call", lambda method, url, body, **kw: sent.append((url, body)) or {
        "result": "accepted"})
    own.deliver_pending()
    assert sent == [("https://m2.example.org/api/identity/rotation", statement.as_json())]
    own.deliver_pending()  # acknowledged by everyone now: nothing is sent again
    assert len(sent) == 1


def test_a_second_rotation_waits_until_the_first_reached_everyone(settings):
    from miners.identity import rotation as own

    own.own_rotation_from(sign_rotation(0, Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()))
    settings.MINER_IDENTITY_KEY_PATH = "/nonexistent/identity.key"
    with pytest.raises(CommandError, match="--resend first"):
        call_command("rotate_identity")


def test_add_peer_says_what_a_fingerprint_looks_like_when_given_half_of_one(peer_identity):
    url, public = peer_identity
    with pytest.raises(CommandError, match="eight groups of four hex digits"):
        call_command("add_peer", url, keys.fingerprint(public)[:9])
    assert not store.peer(1).pinned
