"""`manage.py register_with_portal` against a live portal: the registration arrives pending with the
miner's fingerprint, and a wrong secret is a clear error that names what to check."""

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command

from consortium.contract import keys
from consortium.portal.minerlink.models import MinerRegistration
from miners.identity.keys import encode_private_key

SECRETS = ["s0-" + "a" * 40, "s1-" + "b" * 40, "s2-" + "c" * 40]


@pytest.fixture
def as_miner_2(settings, live_server):
    key = Ed25519PrivateKey.generate()
    settings.MINERS = [{"url": f"https://m{i}.example.org", "secret": SECRETS[i], "public_key": ""}
                       for i in range(3)]
    settings.MINER_INDEX, settings.PORTAL_URL, settings.PORTAL_SECRET = 2, live_server.url, SECRETS[2]
    settings.MINER_URL, settings.MINER_IDENTITY_KEY = "https://m2.example.org", encode_private_key(key)
    settings.MINER_IDENTITY_KEY_PATH = ""
    return key


@pytest.mark.django_db(transaction=True)
def test_register_with_portal_leaves_a_pending_registration_with_the_fingerprint(as_miner_2, capsys):
    call_command("register_with_portal")
    fingerprint = keys.fingerprint(keys.encode_public_key(as_miner_2))
    out = capsys.readouterr().out
    assert fingerprint in out and "approve it in admin" in out
    registration = MinerRegistration.objects.get()
    assert (registration.index, registration.state, registration.fingerprint) == (2, "pending", fingerprint)


@pytest.mark.django_db(transaction=True)
def test_register_with_portal_with_a_wrong_secret_says_what_to_check(as_miner_2, settings):
    settings.PORTAL_SECRET = "x" * 43
    with pytest.raises(CommandError, match="correct PORTAL_SECRET with what the portal.s staff gave you"):
        call_command("register_with_portal")
    assert not MinerRegistration.objects.exists()
