"""GET /api/miner/hello (docs/api.md section 1): the portal answers a miner's doctor whether it accepts that
miner's credential: 200 with the index it proved, 401 for anything else, and nothing recorded."""

import pytest
from django.test import Client

from tests.portal.factories import miners_setting

SECRETS = ["s0-" + "x" * 40, "s1-" + "y" * 40, "s2-" + "z" * 40]
HELLO = "/api/miner/hello"


@pytest.fixture(autouse=True)
def miners(settings):
    settings.MINERS = miners_setting(urls=False, secrets=SECRETS)


def get(authorization=None, method="get"):
    extra = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    return getattr(Client(), method)(HELLO, **extra)


@pytest.mark.django_db
@pytest.mark.parametrize("i", [0, 1, 2])
def test_each_miner_is_greeted_by_its_own_index(i):
    response = get(f"Miner {i} {SECRETS[i]}")
    assert response.status_code == 200
    body = response.json()
    assert body["miner"] == i and set(body) == {"miner", "time"}


@pytest.mark.django_db
@pytest.mark.parametrize("header", [None, f"Miner 0 {SECRETS[0]}x", f"Miner 1 {SECRETS[0]}",
                                    f"Miner 3 {SECRETS[0]}", f"Bearer {SECRETS[0]}", "Miner 0 "])
def test_anything_but_a_miners_own_secret_is_401(header):
    response = get(header)
    assert response.status_code == 401 and response["Content-Type"].startswith("application/json")
    assert SECRETS[0] not in response.content.decode()


@pytest.mark.django_db
def test_it_only_answers_get():
    assert get(f"Miner 0 {SECRETS[0]}", method="post").status_code == 405
