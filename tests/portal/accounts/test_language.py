"""The language switch is remembered per user: chosen once, it follows them to any browser."""

import pytest
from django.test import Client
from django.urls import reverse

from consortium.portal.accounts.models import User

pytestmark = pytest.mark.django_db

SET_LANGUAGE, HOME = reverse("set_language"), reverse("overview:home")


def switch(client, language):
    client.get(HOME)
    token = client.cookies["csrftoken"].value
    return client.post(SET_LANGUAGE, {"language": language, "next": HOME, "csrfmiddlewaretoken": token})


def test_it_saves_the_chosen_language_on_the_user(client_for, rep_a):
    response = switch(client_for(rep_a, csrf=True), "et")
    assert response.status_code == 302
    assert User.objects.get(pk=rep_a.pk).language == "et"


def test_it_applies_the_saved_language_in_a_new_browser(client_for, rep_a):
    switch(client_for(rep_a, csrf=True), "et")
    fresh = client_for(User.objects.get(pk=rep_a.pk))  # no language cookie
    response = fresh.get(HOME)
    assert response["Content-Language"] == "et"
    assert '<html lang="et"' in response.content.decode()


def test_the_saved_language_wins_over_the_browser(client_for, rep_a):
    switch(client_for(rep_a, csrf=True), "et")
    fresh = client_for(User.objects.get(pk=rep_a.pk))
    assert fresh.get(HOME, HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "et"


def test_it_ignores_a_language_not_offered(client_for, rep_a):
    switch(client_for(rep_a, csrf=True), "xx")
    assert User.objects.get(pk=rep_a.pk).language == ""


def test_it_lets_anonymous_visitors_switch_without_saving_anything(rep_a):
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("accounts:login"))
    token = client.cookies["csrftoken"].value
    response = client.post(SET_LANGUAGE, {"language": "et", "next": "/login/", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert User.objects.get(pk=rep_a.pk).language == ""
