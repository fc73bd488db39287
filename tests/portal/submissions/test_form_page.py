"""The form page: members of an open period only; the figures can never be posted to the portal. Opening
the page issues nothing: the member's "Start a new submission" (a POST with CSRF) issues the token."""

import json
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from consortium.contract.tokens import hash_token
from consortium.portal.periods.actions import do_close_period, do_create_period
from consortium.portal.submissions.models import AccessToken, Submission
from tests.portal.factories import miners_setting, open_period

MINERS = miners_setting()


@pytest.fixture(autouse=True)
def miners(settings):
    settings.MINERS = MINERS


@pytest.fixture
def period(db):
    return open_period("2026 annual", "annual")


def url(period):
    return f"/submissions/form/{period.pk}/"


def start(client, period):
    """The member presses "Start a new submission" (these clients do not enforce CSRF; see below)."""
    return client.post(url(period))


class FormScan(HTMLParser):
    """The figures form's own attributes and every input, select and textarea inside it."""

    def __init__(self):
        super().__init__()
        self.form, self.inside, self.controls, self.config = None, False, [], None
        self._in_config = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "figures":
            self.form, self.inside = attrs, True
        elif self.inside and tag in ("input", "select", "textarea"):
            self.controls.append(attrs)
        elif tag == "script" and attrs.get("id") == "sharing-config":
            self._in_config = True

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        self._in_config = False

    def handle_data(self, data):
        if self._in_config:
            self.config = json.loads(data)


def scan(response) -> FormScan:
    parser = FormScan()
    parser.feed(response.content.decode())
    return parser


def test_a_representative_gets_a_form_with_a_fresh_token(client_for, rep_a, period):
    response = start(client_for(rep_a), period)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    config = scan(response).config
    access = AccessToken.objects.get(form_id=config["form"])
    assert access.token_hash == hash_token(config["token"]) and access.user == rep_a
    assert Submission.objects.get(token=access).state == Submission.State.PENDING


def test_each_start_is_a_new_form_instance(client_for, rep_a, period):
    client = client_for(rep_a)
    first, second = scan(start(client, period)).config, scan(start(client, period)).config
    assert first["form"] != second["form"] and first["token"] != second["token"]


def test_no_value_can_be_posted_to_the_portal(client_for, rep_a, period):
    page = scan(start(client_for(rep_a), period))
    assert page.form is not None
    assert "action" not in page.form and "method" not in page.form
    value_inputs = [c for c in page.controls if c.get("data-code")]
    assert len(value_inputs) == period.indicators.count() == 7
    assert all("name" not in control for control in page.controls)


def test_the_config_carries_what_the_sharing_library_needs(client_for, rep_a, period):
    config = scan(start(client_for(rep_a), period)).config
    assert [m["url"] for m in config["miners"]] == [m["url"] for m in MINERS]
    assert config["period"] == period.pk and config["ring_bits"] == period.ring_bits == 64
    assert config["receipts_url"] == "/submissions/receipts/"
    export = next(f for f in config["fields"] if f["code"] == "export_share")
    assert export == {"code": "export_share", "encoding": "fixed", "scale": 1, "lo": "0", "hi": "1000",
                      "required": True}
    added = next(f for f in config["fields"] if f["code"] == "added_value")
    assert added["lo"] == str(-10**12)  # a string: exact beyond 2**53 in the browser
    assert [f["code"] for f in config["fields"]] == list(
        period.indicators.order_by("position").values_list("code", flat=True))


def test_it_shows_labels_units_and_ranges_in_the_members_units(client_for, rep_a, period):
    page = start(client_for(rep_a), period).content.decode()
    assert "Percentage of export (%)" in page
    assert "A percentage from 0 to 100. At most 1 decimal place." in page


def test_without_the_sharing_library_it_says_submission_is_not_available(client_for, rep_a, period,
                                                                          monkeypatch):
    monkeypatch.setattr("consortium.portal.submissions.views.finders.find", lambda path: None)
    page = start(client_for(rep_a), period).content.decode()
    assert "Submission is not available yet" in page
    assert "js/sharing.js" not in page
    assert 'id="submit-figures" class="btn" type="submit" disabled hidden' in page


def test_with_the_sharing_library_it_loads_it_before_the_page_script(client_for, rep_a, period, monkeypatch):
    monkeypatch.setattr("consortium.portal.submissions.views.finders.find", lambda path: "/somewhere/" + path)
    page = start(client_for(rep_a), period).content.decode()
    assert 'id="sharing-unavailable-static"' not in page
    assert page.index("js/sharing.js") < page.index("js/form_page.js")


def test_only_representatives_get_the_form(client_for, client, staff_user, board_user, period):
    assert client.get(url(period)).status_code == 302 and start(client, period).status_code == 302
    for user in (staff_user, board_user):
        assert client_for(user).get(url(period)).status_code == 403
        assert start(client_for(user), period).status_code == 403
    assert not AccessToken.objects.exists()


def test_a_closed_period_has_no_form(client_for, rep_a, period):
    do_close_period(period, None)
    for response in (client_for(rep_a).get(url(period)), start(client_for(rep_a), period)):
        assert response.status_code == 403
        assert "no longer accepts figures" in response.content.decode()
    assert not AccessToken.objects.exists()


def test_a_draft_period_does_not_exist_for_members(client_for, rep_a):
    draft = do_create_period("2027 draft", "annual", timezone.now().date(), timezone.now().date())
    assert client_for(rep_a).get(url(draft)).status_code == 404
    assert start(client_for(rep_a), draft).status_code == 404
    assert not AccessToken.objects.exists()


def test_a_representative_of_a_former_member_gets_no_form(client_for, rep_a, company_a, period):
    company_a.active = False
    company_a.save()
    assert client_for(rep_a).get(url(period)).status_code == 403
    assert start(client_for(rep_a), period).status_code == 403
    assert not AccessToken.objects.exists()


# --- the token is issued by an explicit, same-site action (security review L8) ------------------------

class StartScan(HTMLParser):
    """The forms of the not-started page: their method and hidden inputs."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"attrs": attrs, "hidden": {}})
        elif tag == "input" and attrs.get("type") == "hidden" and self.forms:
            self.forms[-1]["hidden"][attrs.get("name")] = attrs.get("value")


def test_opening_the_page_issues_no_token_and_offers_to_start(client_for, rep_a, period):
    response = client_for(rep_a).get(url(period))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Start a new submission" in page
    assert 'id="sharing-config"' not in page and "js/form_page.js" not in page
    assert not AccessToken.objects.exists() and not Submission.objects.exists()
    forms = StartScan()
    forms.feed(page)
    start_form = next(f for f in forms.forms if f["attrs"].get("method") == "post")
    assert "csrfmiddlewaretoken" in start_form["hidden"]


def test_opening_the_page_again_and_again_spends_nothing(client_for, rep_a, period, settings):
    settings.ACCESS_TOKENS_PER_USER_PER_HOUR = 1
    client = client_for(rep_a)
    assert [client.get(url(period)).status_code for _ in range(5)] == [200] * 5
    assert not AccessToken.objects.exists()
    assert scan(start(client, period)).config is not None  # the budget is still there


def test_starting_needs_the_pages_csrf_token(client_for, rep_a, period):
    client = client_for(rep_a, csrf=True)
    assert client.post(url(period)).status_code == 403  # a cross-site form has no token
    assert not AccessToken.objects.exists()
    forms = StartScan()
    forms.feed(client.get(url(period)).content.decode())
    csrf = next(f for f in forms.forms if f["attrs"].get("method") == "post")["hidden"]["csrfmiddlewaretoken"]
    response = client.post(url(period), {"csrfmiddlewaretoken": csrf})
    assert response.status_code == 200 and scan(response).config is not None
    assert AccessToken.objects.count() == 1


def test_other_methods_are_refused(client_for, rep_a, period):
    assert client_for(rep_a).put(url(period)).status_code == 405
    assert not AccessToken.objects.exists()
