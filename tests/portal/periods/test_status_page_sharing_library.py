"""The status page compares the sharing library this portal serves to members' browsers with the one each
miner says its version ships (`sharing_library_sha256` in its health answer), and flags in words a miner
whose library differs or that names none."""

import datetime
import hashlib
import shutil
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import translation

from consortium.portal.minerlink import client as miner_client
from consortium.portal.periods import actions
from tests.portal.factories import miners_setting

pytestmark = pytest.mark.django_db

SERVED = Path(__file__).resolve().parents[3] / "static" / "js" / "sharing.js"  # what dev serves
PORTAL_SHA256 = hashlib.sha256(SERVED.read_bytes()).hexdigest()
OTHER_SHA256 = hashlib.sha256(b"a library nobody reviewed").hexdigest()


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def answers(settings, monkeypatch):
    """What each miner answers to GET /api/health (through the portal's real client); None: no answer."""
    settings.MINERS = miners_setting()
    healthy = [{"status": "ok", "miner_index": i, "peers": {}, "version": "1",
                "sharing_library_sha256": PORTAL_SHA256} for i in range(3)]

    def request_json(i, method, path, body=None, *, auth=False, timeout=None):
        if path == "/api/doctor":  # the doctor's summary: tests/portal/periods/test_status_page_doctor.py
            return {"status": "ok", "counts": {}, "checks": []}
        assert (method, path) == ("GET", "/api/health")
        if healthy[i] is None:
            raise miner_client.MinerError("connection refused")
        return healthy[i]

    monkeypatch.setattr(miner_client, "request_json", request_json)
    return healthy


@pytest.fixture
def status_page(client_for, staff_user):
    draft = actions.do_create_period("2026 H1", "semi_annual", datetime.date(2026, 1, 1),
                                     datetime.date(2026, 6, 30), staff_user)
    period = actions.do_open_period(draft, staff_user)
    client = client_for(staff_user)

    def get() -> str:
        page = client.get(f"/admin/periods/collectionperiod/{period.pk}/status/")
        assert page.status_code == 200
        return page.content.decode()

    return get


def miner_card(page: str, i: int) -> str:
    """Miner i's card (closed by its own, indented </div>)."""
    return page.split(f'id="miner-{i}"', 1)[1].split("\n      </div>\n", 1)[0]


def test_it_shows_the_portals_library_digest_and_no_flag_when_all_agree(answers, status_page):
    page = status_page()
    assert f'<code class="digest">{PORTAL_SHA256}</code>' in page
    for i in range(3):
        assert "same sharing library" in miner_card(page, i)
    assert "different sharing library" not in page and 'role="alert"' not in page


def test_it_flags_a_miner_that_ships_another_library(answers, status_page):
    answers[1] = {**answers[1], "sharing_library_sha256": OTHER_SHA256}
    page = status_page()
    card = miner_card(page, 1)
    assert "different sharing library" in card and OTHER_SHA256 in card
    assert ("Miner 2 ships a different sharing library from the one this portal serves: members&#x27; "
            "browsers would run code its operator did not review.") in card
    assert "same sharing library" in miner_card(page, 0) and "same sharing library" in miner_card(page, 2)
    assert 'class="period-warning" role="alert"' in page


def test_it_flags_a_miner_that_names_no_library(answers, status_page):
    older = {k: v for k, v in answers[2].items() if k != "sharing_library_sha256"}  # an older miner
    answers[2] = older
    page = status_page()
    card = miner_card(page, 2)
    assert "sharing library not reported" in card
    assert "Miner 3 does not say which sharing library it ships" in card
    assert 'class="period-warning" role="alert"' in page


def test_a_miner_that_does_not_answer_is_down_not_flagged_for_its_library(answers, status_page):
    answers[0] = None
    page = status_page()
    card = miner_card(page, 0)
    assert "down" in card and "sharing library" not in card
    assert 'role="alert"' not in page


def test_it_says_so_when_the_portal_serves_no_library(answers, status_page, tmp_path, settings):
    static = tmp_path / "static"
    shutil.copytree(settings.STATICFILES_DIRS[0], static)
    (static / "js" / "sharing.js").unlink()
    with override_settings(STATICFILES_DIRS=[static]):
        page = status_page()
    assert "This portal does not serve the sharing library: members cannot submit." in page
    assert PORTAL_SHA256 not in page



def test_it_flags_the_miners_in_estonian(answers, status_page, staff_user):
    staff_user.language = "et"
    staff_user.save(update_fields=["language"])
    answers[0] = {**answers[0], "sharing_library_sha256": OTHER_SHA256}
    answers[1] = {k: v for k, v in answers[1].items() if k != "sharing_library_sha256"}
    page = status_page()
    assert "Arvutussõlme 1 versioonis on teistsugune jagamisteek" in miner_card(page, 0)
    assert "Arvutussõlm 2 ei teata, milline jagamisteek tema versioonis on" in miner_card(page, 1)
    assert "sama jagamisteek" in miner_card(page, 2)
    assert "Liikmete brauseritele antav jagamisteek, SHA-256:" in page
    assert "sharing library" not in page
