"""/healthz in both modes, and routes that exist in one mode only."""

import pytest
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from consortium.decorators import miner_only, portal_only


def test_it_reports_portal_health(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "mode": "portal"}
    assert "no-cache" in response["Cache-Control"]


def test_it_reports_miner_health(client, miner_mode):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "mode": "miner", "miner_index": 1}


def test_it_refuses_to_change_state(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db  # the peers as pinned (miners/pins/)
def test_the_miner_api_health_exists_in_miner_mode(client, miner_mode):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json()["miner_index"] == 1


def test_the_miner_api_is_not_routed_on_the_portal(client):
    assert client.get("/api/health").status_code == 404


def test_the_admin_is_not_routed_on_a_miner(client, miner_mode):
    assert client.get("/admin/login/").status_code == 404


def _view(request):
    return HttpResponse("ok")


def _raises_404(view, request):
    try:
        view(request)
    except Http404:
        return True
    return False


def test_a_portal_only_view_is_404_on_a_miner(miner_mode):
    request = RequestFactory().get("/")
    assert _raises_404(portal_only(_view), request)
    assert not _raises_404(miner_only(_view), request)


def test_a_miner_only_view_is_404_on_the_portal():
    request = RequestFactory().get("/")
    assert _raises_404(miner_only(_view), request)
    assert portal_only(_view)(request).content == b"ok"
