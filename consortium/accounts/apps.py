from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    name = "consortium.accounts"
    label = "accounts"
    verbose_name = "People and access"

    def ready(self):
        from . import signals  # noqa: F401 - connects the audit receivers


class PortalAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the portal's site: staff only, second factor enforced."""

    default = False  # not the accounts app's config; named in INSTALLED_APPS instead of django.contrib.admin
    default_site = "consortium.accounts.admin_site.PortalAdminSite"
