"""403 and 404 pages come in one style (the error frame), with the portal's menu for a logged-in person
and without it for a visitor."""

import pytest
from django.urls import reverse

from tests.portal.reports.test_pages import make_report

pytestmark = pytest.mark.django_db

FRAME = '<div class="card page-narrow">'


def menu(html: str) -> bool:
    return '<nav>' in html and f'href="{reverse("reports:list")}"' in html.split("</header>")[0]


def test_a_logged_in_member_gets_the_menu_on_404_and_403(client_for, rep_a):
    client = client_for(rep_a)
    draft = make_report()
    not_found = client.get(reverse("reports:detail", args=[draft.pk]))  # a draft: 404 for members
    forbidden = client.get("/admin/", follow=True)  # the portal's own 403 (accounts.permissions.forbidden)
    denied = client.get(reverse("runs:list"))  # PermissionDenied: Django's handler, templates/403.html
    for response, status in ((not_found, 404), (forbidden, 403), (denied, 403)):
        html = response.content.decode()
        assert response.status_code == status
        assert FRAME in html and menu(html), status
        assert "Log out" in html


def test_a_visitor_gets_the_same_frame_without_the_menu(client):
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404 and FRAME in html and not menu(html)
