"""The Content-Security-Policy (review L7): every portal page sends it, the form page may reach the three
miners (and nothing else off-site), and no template holds what a strict policy would block."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

MINERS = [f"https://miner{i}.example.org:844{i}" for i in range(3)]
TEMPLATE_DIRS = [Path(django_settings.BASE_DIR) / "templates",
                 *Path(django_settings.BASE_DIR, "consortium").glob("*/templates")]
# Django's admin writes inline <style> itself, so the policy allows inline styles under /admin/ only.
ADMIN_TEMPLATES = "admin"


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: sources for name, *sources in (part.split() for part in header.split(";"))}


@pytest.fixture
def miners(settings):
    settings.MINERS = [{"url": url + "/", "secret": "s", "public_key": ""} for url in MINERS]


def test_it_sends_a_strict_policy_on_the_form_page_with_the_miners_in_connect_src(
        miners, rep_a, open_period, client_for):
    response = client_for(rep_a).get(reverse("submissions:form", args=[open_period.pk]))
    assert response.status_code == 200
    policy = directives(response)
    assert policy["default-src"] == policy["script-src"] == policy["style-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'", "ws://testserver", "wss://testserver", *MINERS]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["frame-ancestors"] == policy["base-uri"] == policy["object-src"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]


@pytest.mark.parametrize("path", [reverse("accounts:login"), "/no-such-page/"])
def test_it_sends_the_policy_to_anonymous_visitors_and_on_error_pages(csrf_client, path):
    policy = directives(csrf_client.get(path))
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["style-src"]


def test_it_offers_only_the_secure_socket_over_https(rep_a, client_for):
    policy = directives(client_for(rep_a).get(reverse("overview:home"), secure=True))
    assert policy["connect-src"][:2] == ["'self'", "wss://testserver"]


def test_it_leaves_out_a_miner_without_a_url(settings, csrf_client):
    settings.MINERS = [{"url": MINERS[0]}, {"url": ""}, {"url": "not a url"}]
    policy = directives(csrf_client.get(reverse("accounts:login")))
    assert policy["connect-src"][-1] == MINERS[0]
    assert "not" not in policy["connect-src"]


def test_it_lets_only_the_admin_use_inline_styles_and_never_inline_scripts(staff_user, client_for):
    policy = directives(client_for(staff_user).get(reverse("admin:index")))
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["script-src"] == ["'self'"]


def test_it_sends_report_only_when_the_operator_asks(settings, csrf_client):
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = True
    response = csrf_client.get(reverse("accounts:login"))
    assert "Content-Security-Policy" not in response
    assert "script-src 'self'" in response["Content-Security-Policy-Report-Only"]


BLOCKED = {
    "an inline event handler": re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "inline script code": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>",
                                     re.IGNORECASE),
    "a javascript: URL": re.compile(r"""=\s*["']?\s*javascript:""", re.IGNORECASE),
}
BLOCKED_OUTSIDE_ADMIN = {
    "a style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE),
    "a <style> element": re.compile(r"<style\b", re.IGNORECASE),
}


def offences(root: Path, path: Path) -> list[str]:
    text = path.read_text()
    checks = dict(BLOCKED)
    # the admin's pages may style inline (its own CSS does); the miner's status page sends its own policy,
    # which allows its one <style> by hash (tests/miners/test_doctor.py)
    if path.relative_to(root).parts[0] not in (ADMIN_TEMPLATES, "miners"):
        checks.update(BLOCKED_OUTSIDE_ADMIN)
    return [f"{path}: {what}" for what, pattern in checks.items() if pattern.search(text)]


def test_it_finds_no_template_with_what_the_policy_blocks():
    found = [offence for root in TEMPLATE_DIRS for path in sorted(root.rglob("*.html"))
             for offence in offences(root, path)]
    assert found == []


@pytest.mark.parametrize("snippet", ['<select onchange="go()">', '<p style="margin:0">', "<style>p{}</style>",
                                     "<script>go()</script>", '<a href="javascript:go()">'])
def test_it_would_catch_each_kind_of_inline_code(tmp_path, snippet):
    page = tmp_path / "page.html"
    page.write_text(f"<div>{snippet}</div>")
    assert offences(tmp_path, page) != []


def test_it_lets_pass_what_the_policy_allows(tmp_path):
    page = tmp_path / "page.html"
    page.write_text('<script src="/static/js/base.js" defer></script><select data-submit-on-change>'
                    '{{ value|json_script:"config" }}<p class="muted">')
    assert offences(tmp_path, page) == []
