"""`manage.py create_identity` and `show_fingerprints`, and the key the receipts are signed with."""

import base64
import os
import stat

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from consortium.contract import keys
from miners.identity.keys import NoIdentity, parse_private_key, signing_key


def test_create_identity_writes_a_key_only_its_owner_reads_and_prints_its_fingerprint(tmp_path, capsys):
    path = tmp_path / "identity.key"
    call_command("create_identity", str(path))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    key = parse_private_key(path.read_text())
    public = keys.encode_public_key(key)
    out = capsys.readouterr().out
    assert f"public key:  {public}" in out
    assert f"fingerprint: {keys.fingerprint(public)}" in out
    assert path.read_text().strip() not in out  # the private key is never printed


def test_create_identity_never_overwrites_a_key(tmp_path):
    path = tmp_path / "identity.key"
    path.write_text("the old key\n")
    with pytest.raises(CommandError, match="exists already"):
        call_command("create_identity", str(path))
    assert path.read_text() == "the old key\n"


def test_a_fingerprint_is_eight_groups_of_four_hex_digits_of_the_keys_sha256():
    public = base64.b64encode(bytes(range(32))).decode()
    assert keys.fingerprint(public) == "630D CD29 66C4 3366 9112 5448 BBB2 5B4F"


@pytest.mark.django_db  # the peers' keys as pinned
def test_show_fingerprints_names_this_miner_and_its_peers(capsys, miner_keys):
    call_command("show_fingerprints")
    out = capsys.readouterr().out
    for i in range(3):
        public = keys.encode_public_key(miner_keys[i])
        assert keys.fingerprint(public) in out
    assert "Miner 1 (index 0, this one)" in out and "Miner 2 (index 1, peer)" in out
    assert "Miner 3 (index 2, peer)" in out


@pytest.mark.django_db
def test_show_fingerprints_says_which_peer_key_is_missing(capsys, settings):
    settings.MINER_PEERS = {1: {"url": "", "public_key": ""}, 2: {"url": "", "public_key": "bm90IGEga2V5"}}
    with pytest.raises(CommandError, match="2 key"):  # exit status 1 for a script that checks
        call_command("show_fingerprints")
    out = capsys.readouterr().out
    assert "MINER_PEER_1_PUBLIC_KEY is not set" in out and "MINER_PEER_2_PUBLIC_KEY decodes to" in out


@pytest.mark.parametrize("value", [None, "", "not base64!", base64.b64encode(b"short").decode()])
def test_a_missing_or_malformed_identity_key_says_which_setting(value):
    with override_settings(MINER_IDENTITY_KEY=value), pytest.raises(NoIdentity, match="MINER_IDENTITY_KEY"):
        signing_key()


@pytest.mark.django_db
def test_the_portal_secret_is_never_sent_over_plain_http_in_production(settings, portal):
    from miners.doctor import remote
    from miners.identity.calls import CallFailed, call

    settings.DEPLOYMENT_ENV = "production"
    settings.PORTAL_URL = portal.url  # http:// on loopback
    before = len(portal.verifies) + len(portal.pushes)
    with pytest.raises(CallFailed, match="only over https"):
        call("POST", portal.url + "/api/miner/identity/registration", {}, as_miner=True)
    result = remote.portal()
    assert result.state == "problem" and "PORTAL_URL" in result.line and "https" in result.line
    assert settings.PORTAL_SECRET not in result.line
    assert len(portal.verifies) + len(portal.pushes) == before
    settings.DEPLOYMENT_ENV = "dev"  # a test machine: plain http allowed
    assert remote.portal().state != "problem"


def test_a_rotated_key_file_replaces_a_planted_temporary_file_and_stays_0600(tmp_path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from miners.identity.keys import install_new_key, write_new_key

    path = tmp_path / "identity.key"
    write_new_key(path)
    planted = tmp_path / ".identity.key.new"
    planted.write_text("planted")
    planted.chmod(0o644)
    install_new_key(path, Ed25519PrivateKey.generate())
    assert path.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "identity.key.previous").stat().st_mode & 0o777 == 0o600
    assert planted.read_text() == "planted"  # not reused


def test_the_signing_key_is_read_again_from_its_file_when_the_file_changes(tmp_path, settings):
    """The parsed key is kept per text: a key file replaced while the miner runs (a rotation) is used at the
    next signature, and the key from the settings again once the file is no longer configured."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from miners.identity.keys import encode_private_key

    first, second = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    path = tmp_path / "identity.key"
    path.write_text(encode_private_key(first) + "\n")
    settings.MINER_IDENTITY_KEY_PATH = str(path)
    assert encode_private_key(signing_key()) == encode_private_key(first)
    assert signing_key() is signing_key()
    path.write_text(encode_private_key(second) + "\n")
    assert encode_private_key(signing_key()) == encode_private_key(second)
    settings.MINER_IDENTITY_KEY_PATH = ""
    settings.MINER_IDENTITY_KEY = encode_private_key(first)
    assert encode_private_key(signing_key()) == encode_private_key(first)
