"""The miners' identity keys on the portal (docs/api.md section 7): a registration staff approve in admin,
a rotation accepted only when signed by the pinned key, the old key accepted until its grace period ends,
each step in the audit log."""

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client

from consortium.contract import keys
from consortium.contract.rotation import sign_rotation
from consortium.portal.accounts.models import AuditEvent
from consortium.portal.minerlink import actions
from consortium.portal.minerlink import keys as portal_keys
from consortium.portal.minerlink.models import MinerKey, MinerRegistration

SECRETS = ["s0-" + "a" * 40, "s1-" + "b" * 40, "s2-" + "c" * 40]
OLD = [Ed25519PrivateKey.generate() for _ in range(3)]
GRACE = 3600


@pytest.fixture(autouse=True)
def miners(settings):
    settings.MINERS = [{"url": f"https://m{i}.example.org", "secret": SECRETS[i],
                        "public_key": keys.encode_public_key(OLD[i])} for i in range(3)]
    settings.MINER_KEY_GRACE_SECONDS = GRACE


def post(path, body, miner=2, secret=None):
    return Client().post(f"/api/miner/identity/{path}", body, content_type="application/json",
                         HTTP_AUTHORIZATION=f"Miner {miner} {secret or SECRETS[miner]}")


def rotation_body(signer, new, miner=2, old_public=None):
    rotation = sign_rotation(miner, signer, new)
    body = rotation.as_json()
    if old_public is not None:  # claims to start from another key than the signer's
        body["old_public_key"] = old_public
    return body


@pytest.mark.django_db
def test_a_registration_waits_for_staff_who_approve_it_in_admin(staff_user, client_for):
    new = Ed25519PrivateKey.generate()
    public = keys.encode_public_key(new)
    answer = post("registration", {"url": "https://m2.example.org", "public_key": public})
    assert answer.status_code == 202 and answer.json()["status"] == "pending"
    assert portal_keys.pinned_key(2) == keys.encode_public_key(OLD[2])  # nothing pinned before approval
    registration = MinerRegistration.objects.get()
    admin = client_for(staff_user)
    listing = admin.get("/admin/minerlink/minerregistration/")
    assert keys.fingerprint(public) in listing.content.decode()
    assert "Miner 3 (index 2)" in listing.content.decode()  # people's name and the settings' index
    # what an approval replaces: the key pinned now
    assert keys.fingerprint(keys.encode_public_key(OLD[2])) in listing.content.decode()
    done = admin.post("/admin/minerlink/minerregistration/",
                      {"action": "approve", "_selected_action": [registration.pk]}, follow=True)
    assert f"Miner 3 (index 2): key {keys.fingerprint(public)} is pinned." in done.content.decode()
    assert f"{keys.fingerprint(public)}" in admin.get("/admin/minerlink/minerkey/").content.decode()
    assert portal_keys.pinned_key(2) == public
    registration.refresh_from_db()
    assert registration.state == "approved" and registration.decided_by == staff_user
    assert AuditEvent.objects.filter(kind="miner_registered", detail__miner=2).count() == 1
    assert AuditEvent.objects.get(kind="miner_approved").actor == staff_user
    # the old key (settings) stops at once: an approval is not a rotation
    assert [keys.encode_public_key(k) for k in portal_keys.accepted_keys(2)] == [public]


@pytest.mark.django_db
def test_a_registration_needs_the_miners_secret():
    public = keys.encode_public_key(Ed25519PrivateKey.generate())
    answer = post("registration", {"url": "https://m2.example.org", "public_key": public}, secret=SECRETS[1])
    assert answer.status_code in (401, 403)
    assert not MinerRegistration.objects.exists()


@pytest.mark.django_db
def test_a_rotation_signed_by_the_pinned_key_is_accepted_and_the_old_key_ends_with_the_grace(travel):
    new = Ed25519PrivateKey.generate()
    answer = post("rotation", rotation_body(OLD[2], new))
    assert answer.status_code == 200 and answer.json() == {"result": "accepted"}
    assert portal_keys.pinned_key(2) == keys.encode_public_key(new)
    message = b"consortium-mpc receipt v1\n2\n1\nx\ny\n"
    by_old, by_new = keys.sign(OLD[2], message), keys.sign(new, message)
    assert portal_keys.miner_signed(2, message, by_new)
    assert portal_keys.miner_signed(2, message, by_old)  # a receipt signed just before the rotation
    travel(GRACE + 1)
    assert portal_keys.miner_signed(2, message, by_new)
    assert not portal_keys.miner_signed(2, message, by_old)
    assert AuditEvent.objects.filter(kind="key_rotated", detail__miner=2).count() == 1


@pytest.mark.django_db
def test_a_rotation_not_signed_by_the_pinned_key_is_refused_and_audited():
    stranger, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    # signed by a stranger that names the pinned key as the old one
    forged = rotation_body(stranger, new, old_public=keys.encode_public_key(OLD[2]))
    answer = post("rotation", forged)
    assert answer.status_code == 403 and "not signed by the key pinned" in answer.json()["detail"]
    # signed by its own (unpinned) key
    answer = post("rotation", rotation_body(stranger, new))
    assert answer.status_code == 403 and "not the one pinned" in answer.json()["detail"]
    assert portal_keys.pinned_key(2) == keys.encode_public_key(OLD[2])
    assert AuditEvent.objects.filter(kind="key_rotation_refused").count() == 2


@pytest.mark.django_db
def test_a_miner_rotates_only_its_own_key():
    answer = post("rotation", rotation_body(OLD[1], Ed25519PrivateKey.generate(), miner=1), miner=2)
    assert answer.status_code == 403
    assert portal_keys.pinned_key(1) == keys.encode_public_key(OLD[1])


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"miner": 2}, {"miner": "2", "old_public_key": "x"}, []])
def test_a_malformed_rotation_is_a_clear_400(body):
    answer = post("rotation", body)
    assert answer.status_code == 400 and answer.json()["detail"].startswith("Not a rotation statement")


@pytest.mark.django_db
def test_a_joining_miner_is_a_warning_until_its_registration_is_approved(settings, staff_user):
    from consortium.checks import check_miner_settings

    settings.MINERS[2]["public_key"] = ""
    settings.DEPLOYMENT_ENV = "production"
    assert [c.id for c in check_miner_settings()] == ["consortium.W003"]
    post("registration", {"url": "https://m2.example.org",
                          "public_key": keys.encode_public_key(Ed25519PrivateKey.generate())})
    actions.approve(MinerRegistration.objects.get(), staff_user)
    assert check_miner_settings() == []


@pytest.mark.django_db
def test_staff_cannot_delete_a_pinned_key_or_an_approval_in_admin(staff_user, client_for):
    public = keys.encode_public_key(Ed25519PrivateKey.generate())
    post("registration", {"url": "https://m2.example.org", "public_key": public})
    registration = MinerRegistration.objects.get()
    admin = client_for(staff_user)
    admin.post("/admin/minerlink/minerregistration/",
               {"action": "approve", "_selected_action": [registration.pk]})
    key = MinerKey.objects.get(index=2)
    for url in (f"/admin/minerlink/minerkey/{key.pk}/delete/",
                f"/admin/minerlink/minerregistration/{registration.pk}/delete/"):
        assert admin.post(url, {"post": "yes"}).status_code == 403
    assert portal_keys.pinned_key(2) == public
    assert MinerRegistration.objects.filter(pk=registration.pk).exists()
