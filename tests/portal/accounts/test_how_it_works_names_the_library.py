"""The explanation page names the sharing library this portal serves: its address, its SHA-256 and its
Subresource Integrity value, each checked here against the bytes fetched from that address."""

import base64
import hashlib
import re
import shutil
from html import unescape
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def explanation(client) -> str:
    response = client.get(reverse("accounts:how_it_works"))
    assert response.status_code == 200
    return response.content.decode()


def fetched(client, url: str) -> bytes:
    response = client.get(urlsplit(url).path)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_it_shows_the_digests_of_the_library_at_the_address_it_names(client):
    page = explanation(client)
    url = unescape(re.search(r'<a href="([^"]+/js/sharing\.js)">', page).group(1))
    assert url == "http://testserver/static/js/sharing.js"  # an address to paste into curl
    served = fetched(client, url)
    sha256 = re.search(r'<code id="sharing-library-sha256">([^<]*)</code>', page).group(1)
    sri = re.search(r'<code id="sharing-library-sri">([^<]*)</code>', page).group(1)
    assert sha256 == hashlib.sha256(served).hexdigest()
    assert sri == "sha384-" + base64.b64encode(hashlib.sha384(served).digest()).decode()
    assert f"curl -s {url} | sha256sum" in page


def test_without_the_library_it_says_there_is_nothing_to_check(client, tmp_path, settings):
    static = tmp_path / "static"
    shutil.copytree(settings.STATICFILES_DIRS[0], static)
    (static / "js" / "sharing.js").unlink()
    with override_settings(STATICFILES_DIRS=[static]):
        page = explanation(client)
    assert "The sharing library is not installed on this portal yet" in page
    assert 'id="sharing-library-sha256"' not in page


def test_it_explains_the_check_in_estonian(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "et"
    page = explanation(client)
    assert "Kontrollige koodi, mis Teie arvud osakuteks jagab" in page
    assert "sha256sum" in page and 'id="sharing-library-sha256"' in page
    assert "Check the code that splits your figures" not in page

