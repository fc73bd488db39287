"""Admin reads as a product: translatable names for apps, models and the fields it shows; miners 1-3."""

import pytest
from django.contrib import admin
from django.utils import translation
from django.utils.functional import Promise

from consortium.portal.accounts.models import AuditEvent, Company, User
from consortium.portal.periods.models import CollectionPeriod, IndicatorDefinition
from consortium.portal.reports.models import Report
from consortium.portal.submissions.models import AccessToken, Feedback, Receipt, Submission

OURS = [User, AuditEvent, Company, AccessToken, Submission, Receipt, Feedback, CollectionPeriod,
        IndicatorDefinition, Report]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize("model", OURS, ids=lambda m: m.__name__)
def test_every_model_and_field_has_a_translatable_name(model):
    assert isinstance(model._meta.verbose_name, Promise)
    assert isinstance(model._meta.verbose_name_plural, Promise)
    unnamed = [f.name for f in model._meta.get_fields()
               if f.concrete and not f.auto_created and not isinstance(f.verbose_name, Promise)]
    assert unnamed == []


def test_it_names_the_apps_for_people(client_for, staff_user):
    page = client_for(staff_user).get("/admin/").content.decode()
    for name in ("People and access", "Collection periods", "Submissions", "Login lock-outs",
                 "Second factor (authenticator apps)"):
        assert name in page
    assert "AXES" not in page and "OTP_TOTP" not in page and "Otp_Totp" not in page


@pytest.mark.django_db
def test_it_counts_a_receipts_miner_from_1(client_for, staff_user, issued):
    _token, _access, submission = issued
    Receipt.objects.create(submission=submission, miner=0, digest="d" * 64, signature="s")
    assert admin.site.is_registered(Receipt)
    page = client_for(staff_user).get("/admin/submissions/receipt/").content.decode()
    assert "Miner 1" in page
    detail = client_for(staff_user).get(f"/admin/submissions/submission/{submission.pk}/change/")
    assert "Miner 1" in detail.content.decode()


@pytest.mark.django_db
def test_it_explains_a_failure_naming_miners_from_1(client_for, staff_user, issued):
    _token, _access, submission = issued
    Submission.objects.filter(pk=submission.pk).update(state="failed", failure_reason="missing:0")
    page = client_for(staff_user).get(f"/admin/submissions/submission/{submission.pk}/change/")
    assert "No receipt from Miner 1" in page.content.decode()


def test_the_breadcrumb_does_not_repeat_the_app_as_its_model(client_for, staff_user):
    page = client_for(staff_user).get("/admin/periods/collectionperiod/").content.decode()
    crumbs = page.split('class="breadcrumbs"', 1)[1].split("</div>", 1)[0]
    assert "Periods" in crumbs and crumbs.count("Collection periods") == 1
