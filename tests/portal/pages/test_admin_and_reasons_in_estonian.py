"""Estonian staff read admin and the miners' troubles in Estonian: the lock-out and authenticator app
models of third-party apps (django-axes, django-otp) and the reasons a miner could not be reached
("connection refused"), which the portal itself words."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from consortium.portal.minerlink import client as miner_client
from consortium.portal.runs.models import AnalysisRun, MinerRunState
from tests.portal.fake_miners import make_member, make_period, make_submission
from tests.portal.pages.test_i18n import assert_estonian, estonian
from tests.portal.runs.test_pages import csrf_post

pytestmark = pytest.mark.django_db


def test_third_party_admin_names_are_estonian(client_for, staff_user):
    client = client_for(estonian(staff_user))
    assert_estonian(client.get(reverse("admin:index")),
                    present=["Sisselogimiskatsed", "Autentimisrakendused"],
                    absent=["Access attempts", "TOTP devices", "Access logs", "Access failures"])
    assert_estonian(client.get(reverse("admin:otp_totp_totpdevice_changelist")),
                    present=["Isik", "Viimati kasutatud"], absent=["TOTP device", "Last used at"])
    assert_estonian(client.get(reverse("admin:axes_accessattempt_changelist")),
                    present=["Sisselogimiskatsed"], absent=["Access attempts", "Attempt Time"])


def test_a_miners_refusal_on_the_run_page_is_in_estonian(staff_user, client_for):
    period = make_period("2026 H1", dt.date(2026, 6, 30))
    run = AnalysisRun.objects.create(period=period, started_by=staff_user, state="failed",
                                     error="not_accepted:2:connection refused")
    MinerRunState.objects.create(run=run, miner=2, state="failed", error="connection refused")
    page = client_for(estonian(staff_user)).get(reverse("runs:detail", args=[run.run_id]))
    html = page.content.decode()
    row = html[html.index('data-miner="2"'):]
    assert "(ühendusest keelduti)" in row[:row.index("</tr>")]
    assert '<p id="run-error">Arvutussõlm 3 ei võtnud analüüsikäiku vastu (ühendusest keelduti)</p>' in html


def test_a_run_started_in_estonian_keeps_its_reason_as_a_code(fake, staff_user, client_for):
    """The record (and what the portal answers a miner with) is the same whoever started the run."""
    period = make_period("2026 H1", dt.date(2026, 6, 30))
    make_submission(*make_member("Member"), period)
    fake.down.add(2)
    client = client_for(estonian(staff_user), csrf=True)
    csrf_post(client, f"/analyses/periods/{period.pk}/start/", {"confirm": "yes"})
    run = AnalysisRun.objects.get()
    assert run.error == "not_accepted:2:connection refused"
    with translation.override("en"):
        assert run.reason == "Miner 3 did not accept the run (connection refused)"


def test_the_period_status_page_says_why_a_miner_is_down_in_estonian(client_for, staff_user, monkeypatch):
    health = [{"status": "down", "error": "connection refused"}, {"status": "down", "error": "timeout"},
              {"status": "down", "error": "HTTP 503"}]
    monkeypatch.setattr(miner_client, "health_all", lambda: health)
    period = make_period("2026 H1", dt.date(2026, 6, 30), state="open")
    page = client_for(estonian(staff_user)).get(
        reverse("admin:periods_collectionperiod_status", args=[period.pk]))
    assert_estonian(page, present=["ühendusest keelduti", "aegus", "HTTP 503"],
                    absent=["connection refused", "timeout"])
