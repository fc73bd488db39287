"""consortium.checks.check_miner_settings: a production portal refuses weak or shared miner secrets,
unusable or forgeable public keys, and miners reached over plain http (security review L2)."""

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core import checks
from django.test import override_settings

from consortium.checks import check_miner_settings
from consortium.contract.keys import ED25519_SMALL_ORDER, ed25519_key_problem

pytestmark = pytest.mark.django_db  # the keys pinned in the database come before the settings


def new_key() -> str:
    raw = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def good_miners():
    return [{"url": f"https://miner{i}.example.org", "secret": f"{i}" * 43, "public_key": new_key()}
            for i in range(3)]


def ids_for(miners, env="production", mode="portal"):
    with override_settings(MINERS=miners, DEPLOYMENT_ENV=env, DEPLOYMENT_MODE=mode):
        return sorted(error.id for error in check_miner_settings())


def with_change(i, **change):
    miners = good_miners()
    miners[i] = {**miners[i], **change}
    return miners


def test_it_passes_three_sound_miners():
    assert ids_for(good_miners()) == []


def test_it_is_registered_with_the_system_checks():
    plain_http = with_change(1, url="http://miner1.example.org")
    with override_settings(MINERS=plain_http, DEPLOYMENT_ENV="production"):
        assert "consortium.E004" in {m.id for m in checks.run_checks() if m.level >= checks.ERROR}


def test_it_ignores_a_development_machine_and_a_miner_process():
    weak = with_change(0, secret="x", url="http://localhost:8001", public_key="")
    assert ids_for(weak, env="dev") == []
    assert ids_for(weak, mode="miner") == []


def test_it_leaves_a_miner_that_is_not_configured_at_all_alone():
    miners = good_miners()
    miners[2] = {"url": "", "secret": None, "public_key": ""}
    assert ids_for(miners) == []


@pytest.mark.parametrize("secret", [None, "", "x", "s" * 31])
def test_it_refuses_a_missing_or_short_secret(secret):
    assert ids_for(with_change(1, secret=secret)) == ["consortium.E002"]


def test_it_accepts_a_secret_of_exactly_the_minimum_length():
    assert ids_for(with_change(1, secret="s" * 32)) == []


def test_it_refuses_two_miners_with_the_same_secret():
    miners = good_miners()
    miners[2]["secret"] = miners[0]["secret"]
    with override_settings(MINERS=miners, DEPLOYMENT_ENV="production"):
        [error] = check_miner_settings()
    assert error.id == "consortium.E005" and "0 and 2" in error.msg
    assert miners[0]["secret"] not in error.msg + error.hint  # never the secret itself


@pytest.mark.parametrize("url", ["http://miner1.example.org", "", "miner1.example.org", "https://",
                                 "ftp://miner1.example.org"])
def test_it_refuses_a_miner_url_that_is_not_https(url):
    assert ids_for(with_change(1, url=url)) == ["consortium.E004"]


def test_a_miner_without_a_key_yet_is_a_warning_until_its_registration_is_approved():
    # the portal must run for a joining miner to register; its receipts are refused meanwhile
    assert ids_for(with_change(2, public_key="")) == ["consortium.W003"]


@pytest.mark.parametrize(("key", "problem"), [
    ("not base64!", "not base64"),
    (b64(b"\x07" * 31), "not 32"),
    (b64(b"\x07" * 33), "not 32"),
    (b64((2).to_bytes(32, "little")), "not a point on the curve"),  # y = 2 has no x
    (b64((2**255 - 18).to_bytes(32, "little")), "not a canonical"),  # y = p + 1, the identity again
    (b64(bytes.fromhex("01" + "00" * 30 + "80")), "not a canonical"),  # the identity with x = -0
])
def test_it_refuses_a_key_that_is_no_ed25519_public_key(key, problem):
    assert problem in ed25519_key_problem(key)
    assert ids_for(with_change(0, public_key=key)) == ["consortium.E003"]


@pytest.mark.parametrize("raw", sorted(ED25519_SMALL_ORDER), ids=lambda raw: raw.hex()[:8] + raw.hex()[-2:])
def test_it_refuses_each_small_order_key(raw):
    assert "small order" in ed25519_key_problem(b64(raw))
    assert ids_for(with_change(2, public_key=b64(raw))) == ["consortium.E003"]


def test_it_refuses_two_miners_with_the_same_key():
    miners = good_miners()
    miners[1]["public_key"] = miners[0]["public_key"]
    assert ids_for(miners) == ["consortium.E006"]


def test_a_real_key_is_accepted():
    for _ in range(20):
        assert ed25519_key_problem(new_key()) is None


# --- the list of small-order points, recomputed ---------------------------------------------------

P = 2**255 - 19
D = -121665 * pow(121666, P - 2, P) % P


def decode(raw):
    """RFC 8032 point decoding (canonical inputs only): (x, y)."""
    y, sign = int.from_bytes(raw, "little") & ((1 << 255) - 1), raw[31] >> 7
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * pow(2, (P - 1) // 4, P) % P
    assert (x * x - x2) % P == 0
    return (P - x if x and (x & 1) != sign else x), y


def double(point):
    x, y = point
    t = D * x * x * y * y % P
    return 2 * x * y * pow(1 + t, P - 2, P) % P, (y * y + x * x) * pow(1 - t, P - 2, P) % P


def test_the_listed_keys_are_the_eight_points_of_order_dividing_8():
    points = {decode(raw) for raw in ED25519_SMALL_ORDER}
    assert len(points) == 8  # eight distinct points: the whole 8-torsion subgroup
    for point in points:
        assert double(double(double(point))) == (0, 1)  # 8P is the identity


def test_a_small_order_key_really_accepts_a_forged_signature():
    # Why the check exists: with the identity as the key, R = identity and S = 0 verify for any message.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    identity = bytes.fromhex("01" + "00" * 31)
    Ed25519PublicKey.from_public_bytes(identity).verify(identity + bytes(32), b"any receipt at all")
