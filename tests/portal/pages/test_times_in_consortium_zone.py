"""Times are shown in the consortium's time zone (TIME_ZONE, default Europe/Tallinn), and always with
their date: "try again after 23:12 UTC" or "valid until 00:09" left the reader to work out which day."""

import datetime as dt
import os
import runpy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

import consortium
from consortium.portal.submissions import actions
from consortium.portal.submissions.models import AccessToken
from tests.portal.factories import miners_setting, open_period

SETTINGS_FILE = Path(consortium.__file__).with_name("settings.py")


def test_the_default_time_zone_is_the_consortiums(monkeypatch):
    for name in list(os.environ):
        monkeypatch.delenv(name)
    monkeypatch.setenv("DEPLOYMENT_ENV", "dev")
    assert runpy.run_path(str(SETTINGS_FILE))["TIME_ZONE"] == "Europe/Tallinn"


@pytest.fixture
def period(db, settings):
    settings.MINERS = miners_setting()
    settings.TIME_ZONE = "Europe/Tallinn"
    return open_period("2026 H1")


def test_the_forms_expiry_has_its_date_and_tallinn_time(client_for, rep_a, period, monkeypatch):
    # 22:30 UTC on 31 December is 00:30 on 1 January in Tallinn: the date must be Tallinn's too.
    now = dt.datetime(2026, 12, 31, 22, 30, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)
    page = client_for(rep_a).post(f"/submissions/form/{period.pk}/").content.decode()
    expires = AccessToken.objects.get().expires_at
    assert expires == now + dt.timedelta(seconds=7200)
    assert "This form stays valid until 1 January 2027, 02:30;" in page


def test_the_form_limit_says_the_day_and_tallinn_time(client_for, rep_a, period, settings):
    settings.ACCESS_TOKENS_PER_USER_PER_HOUR = 1
    client = client_for(rep_a)
    client.post(f"/submissions/form/{period.pk}/")
    with pytest.raises(actions.TooManyTokens) as refused:
        actions.do_issue_token(rep_a, period)
    retry = refused.value.retry_at.astimezone(ZoneInfo("Europe/Tallinn"))
    page = client.post(f"/submissions/form/{period.pk}/", follow=True).content.decode()
    assert f"You can open it again at {retry.day} {retry:%B %Y, %H:%M}." in page
    assert "UTC" not in page
