"""The public page that explains who holds what."""

from django.conf import settings
from django.test import override_settings
from django.urls import reverse


def test_it_is_public_and_explains_who_sees_what(client, db):
    response = client.get(reverse("accounts:how_it_works"))
    assert response.status_code == 200
    html = response.content.decode()
    for phrase in ("three shares", "Each share goes to a different miner", "never what",
                   "Two miners working together", "Your own computer", "img/data-flow.svg"):
        assert phrase in html, phrase


@override_settings(PUBLICATION_MIN_VALUES=7)
def test_it_states_the_small_cohort_rule_with_its_number(client, db):
    html = client.get(reverse("accounts:how_it_works")).content.decode()
    assert "at least 7 companies" in html


def test_the_picture_is_in_the_members_language(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "et"
    html = client.get(reverse("accounts:how_it_works")).content.decode()
    assert "img/data-flow.et.svg" in html


def test_the_pictures_exist_and_their_shares_add_up():
    for name in ("data-flow.svg", "data-flow.et.svg"):
        svg = (settings.BASE_DIR / "static" / "img" / name).read_text()
        assert svg.startswith("<svg") and "<script" not in svg
        shares = [2_918_403_771, 604_117_392, 773_696_133]
        assert all(f"{s:,}".replace(",", " ") in svg for s in shares)
        assert sum(shares) % 2**32 == 1_250_000  # the picture's figure, as a 32-bit ring would add them


@override_settings(PUBLICATION_MIN_VALUES=7)
def test_it_says_plainly_what_the_time_series_reveals(client, db):
    html = " ".join(client.get(reverse("accounts:how_it_works")).content.decode().split())
    assert "one company's value of an indicator in each of the last three periods" in html
    assert "random order" in html and "at least 7 lines have values in the same periods" in html
