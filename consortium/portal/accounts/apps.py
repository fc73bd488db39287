from axes import apps as axes_apps
from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp import apps as otp_totp_apps


class AccountsConfig(AppConfig):
    name = "consortium.portal.accounts"
    label = "accounts"
    verbose_name = _("People and access")

    def ready(self):
        from . import signals  # noqa: F401 - connects the audit receivers


class PortalAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the portal's site: staff only, second factor enforced."""

    default = False  # not the accounts app's config; named in INSTALLED_APPS instead of django.contrib.admin
    default_site = "consortium.portal.accounts.admin_site.PortalAdminSite"


# Third-party apps under names staff read in admin's sidebar (theirs: "AXES", "OTP_TOTP"), named in
# INSTALLED_APPS in their place. Labels, models and tables stay theirs.


class LockoutConfig(axes_apps.AppConfig):
    default = False
    verbose_name = _("Login lock-outs")


class SecondFactorConfig(otp_totp_apps.DefaultConfig):
    default = False
    verbose_name = _("Second factor (authenticator apps)")

    # django-otp names its model and fields in plain English strings ("TOTP devices"), which no catalogue
    # can translate; these replace them for admin. Only the names shown: Meta's declared options and
    # the fields' own arguments are untouched, so no migration of django-otp's changes.
    NAMES = {"user": _("person"), "name": _("name"), "confirmed": _("confirmed"), "created_at": _("created"),
             "last_used_at": _("last used"), "throttling_failure_count": _("wrong codes in a row")}

    def ready(self):
        super().ready()
        device = self.get_model("TOTPDevice")
        device._meta.verbose_name = _("authenticator app")
        device._meta.verbose_name_plural = _("authenticator apps")
        for field, name in self.NAMES.items():
            device._meta.get_field(field).verbose_name = name
