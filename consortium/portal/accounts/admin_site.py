"""The admin site: consortium staff only, and only after the second factor when settings demand it."""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from .middleware import pending_step


class PortalAdminSite(admin.AdminSite):
    site_header = _("Consortium benchmarking: administration")
    site_title = _("Consortium administration")
    index_title = _("Periods, members and people")

    def has_permission(self, request):
        user = request.user
        return super().has_permission(request) and user.is_staff and pending_step(request) is None

    def login(self, request, extra_context=None):
        """There is one way in: the portal's login page (with its lock-out and second factor)."""
        if not request.user.is_authenticated:
            return redirect_to_login(request.GET.get("next") or request.path)
        step = pending_step(request)
        if step is not None:
            return redirect(step)
        from .permissions import forbidden

        return forbidden(request, _("Only consortium staff can use the administration."))
