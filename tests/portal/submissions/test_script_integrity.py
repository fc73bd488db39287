"""The form page loads its scripts with Subresource Integrity: each <script>'s `integrity` is the SHA-384
of the very bytes the portal serves at its `src` (fetched here through WhiteNoise, as a browser would), in
development (static/) and in production (the collected, content-hashed copy in STATIC_ROOT)."""

import base64
import hashlib
import json
import shutil
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from tests.portal.factories import miners_setting, open_period

pytestmark = pytest.mark.django_db

SCRIPTS = ("js/sharing.js", "js/form_page.js")


class ScriptScan(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts = []

    def handle_starttag(self, tag, attrs):
        if tag == "script" and dict(attrs).get("src"):
            self.scripts.append(dict(attrs))


@pytest.fixture(autouse=True)
def miners(settings):
    settings.MINERS = miners_setting()


def form_scripts(client, period) -> dict[str, dict]:
    """The started form page's scripts that the integrity applies to, by their name under static/."""
    page = client.post(f"/submissions/form/{period.pk}/")
    assert page.status_code == 200
    scan = ScriptScan()
    scan.feed(page.content.decode())
    found = {}
    for attrs in scan.scripts:
        for name in SCRIPTS:
            stem, _dot, ext = name.rpartition(".")
            if stem in attrs["src"] and attrs["src"].endswith("." + ext):
                found[name] = attrs
    assert set(found) == set(SCRIPTS), scan.scripts
    return found


def served_bytes(client, src: str) -> bytes:
    response = client.get(src)
    assert response.status_code == 200, src
    return b"".join(response.streaming_content) if response.streaming else response.content


def sri_of(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def assert_integrity_matches_what_is_served(client, period):
    for name, attrs in form_scripts(client, period).items():
        assert attrs["integrity"] == sri_of(served_bytes(client, attrs["src"])), name
        assert attrs["crossorigin"] == "anonymous", name


def test_each_script_carries_the_digest_of_the_bytes_served_at_its_url(client_for, rep_a):
    assert_integrity_matches_what_is_served(client_for(rep_a), open_period())


def test_an_edited_file_gets_a_new_digest_at_once(client_for, rep_a, tmp_path, settings):
    """In development WhiteNoise serves an edited file at once; a stale integrity value would make the
    browser refuse it, so the digest follows the file."""
    static = tmp_path / "static"
    shutil.copytree(settings.STATICFILES_DIRS[0], static)
    client, period = client_for(rep_a), open_period()
    with override_settings(STATICFILES_DIRS=[static]):
        before = form_scripts(client, period)["js/sharing.js"]["integrity"]
        with (static / "js" / "sharing.js").open("a") as library:
            library.write("\n// a reviewed change\n")
        assert_integrity_matches_what_is_served(client, period)
        assert form_scripts(client, period)["js/sharing.js"]["integrity"] != before


def test_in_production_it_is_the_digest_of_the_collected_hashed_file(rep_a, tmp_path, settings):
    root = tmp_path / "staticfiles"
    production = dict(
        STATIC_ROOT=str(root), WHITENOISE_USE_FINDERS=False, WHITENOISE_AUTOREFRESH=False,
        STORAGES={**settings.STORAGES,
                  "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}},
    )
    period = open_period()
    with override_settings(**production):
        call_command("collectstatic", interactive=False, verbosity=0)
        manifest = (root / "staticfiles.json").read_text()
        # the served copy is not the source: post-processing may rewrite a collected file, so the digest
        # must be of the copy under its hashed name (simulated here by changing that copy after the fact)
        hashed = root / json.loads(manifest)["paths"]["js/sharing.js"]
        hashed.write_bytes(hashed.read_bytes() + b"\n// as post-processed\n")
        client = Client()  # a new client: its WhiteNoise reads STATIC_ROOT when it starts
        client.force_login(rep_a, backend="django.contrib.auth.backends.ModelBackend")
        scripts = form_scripts(client, period)
        assert scripts["js/sharing.js"]["src"].endswith("/" + hashed.name)
        assert_integrity_matches_what_is_served(client, period)
