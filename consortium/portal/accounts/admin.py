"""People, companies and the audit log in admin (the admin site itself: admin_site.py)."""

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.actions import delete_selected
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp import admin as _otp_totp_admin  # noqa: F401 - registers it, replaced below
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import actions, audit
from .forms import UserChangeForm, UserCreationForm
from .models import AuditEvent, Company, User


def _no_store(response):
    # The page holds a temporary password: no browser or proxy cache may keep it.
    response["Cache-Control"] = "no-store"
    return response


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    list_display = ("username", "full_name", "role", "company", "is_active", "second_factor", "last_login")
    list_filter = ("role", "is_active", "company")
    search_fields = ("username", "first_name", "last_name", "email", "company__name")
    ordering = ("username",)
    list_select_related = ("company",)
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name", "email", "language")}),
        (_("Role and access"), {
            "fields": ("role", "company", "is_active", "must_change_password"),
            "description": _("The role decides what a person sees. Only consortium staff reach "
                             "this administration; a member representative belongs to one company."),
        }),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {
            "classes": ("wide",),
            "fields": ("username", "first_name", "last_name", "email", "role", "company",
                       "password1", "password2"),
            "description": _("The person chooses a new password at their first login."),
        }),
    )
    actions = ["reset_password"]

    @admin.display(description=_("name"))
    def full_name(self, user):
        return user.get_full_name()

    def get_queryset(self, request):
        # One query for the whole list, not one per person (as django_otp.user_has_device would).
        confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(has_device=Exists(confirmed))

    @admin.display(description=_("authenticator app"), boolean=True)
    def second_factor(self, user):
        return user.has_device

    def save_model(self, request, obj, form, change):
        if not change:
            obj.must_change_password = True  # staff typed it; only the person should know it
        actions.do_save_user(obj, request.user, request)

    def delete_model(self, request, obj):
        actions.do_delete_user(obj, request.user, request)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            actions.do_delete_user(user, request.user, request)

    @admin.action(description=_("Reset password (a temporary one, changed at the next login)"))
    def reset_password(self, request, queryset):
        return self._reset_passwords(request, list(queryset), from_changelist=True)

    def user_change_password(self, request, id, form_url=""):
        """The user page's password link: the same audited reset, never a password typed by staff."""
        user = get_object_or_404(self.get_queryset(request), pk=id)
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        return self._reset_passwords(request, [user], from_changelist=False)

    def _reset_passwords(self, request, users, from_changelist):
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "users": users,
                   "from_changelist": from_changelist, "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                   "title": _("Reset password")}
        if request.method == "POST" and request.POST.get("confirm") == "yes":
            context["results"] = [(user, actions.do_reset_password(user, request.user, request))
                                  for user in users]
            return _no_store(TemplateResponse(request, "accounts/admin/reset_password_done.html", context))
        return TemplateResponse(request, "accounts/admin/reset_password_confirm.html", context)


admin.site.unregister(TOTPDevice)  # django-otp's admin shows and edits the secret


@admin.register(TOTPDevice)
class SecondFactorDeviceAdmin(admin.ModelAdmin):
    """Authenticator apps: staff see who has one, and reset it (a lost phone), audited; nothing else.

    No key, otpauth address or QR code is shown, and no device can be added or edited here: with a
    device's secret, staff could pass a board member's second factor. People enrol their own app.
    """

    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    search_fields = ("user__username", "user__first_name", "user__last_name")
    list_select_related = ("user",)
    fields = ("user", "name", "confirmed", "created_at", "last_used_at", "throttling_failure_count")
    readonly_fields = fields
    actions = ["reset_second_factor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        found = super().get_actions(request)
        found.pop("delete_selected", None)  # the same deletion, under its audited name below
        return found

    @admin.action(description=_("Reset second factor (the person sets up their app again at the next login)"),
                  permissions=["delete"])
    def reset_second_factor(self, request, queryset):
        return delete_selected(self, request, queryset)  # Django's confirmation page, then delete_queryset

    def delete_model(self, request, obj):
        actions.do_reset_second_factor(obj.user, request.user, request)

    def delete_queryset(self, request, queryset):
        for user in User.objects.filter(pk__in=queryset.values("user")):
            actions.do_reset_second_factor(user, request.user, request)


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "registry_code", "active", "representative_count", "joined")
    list_filter = ("active",)
    search_fields = ("name", "registry_code")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_representatives=Count("representatives"))

    @admin.display(description=_("representatives"), ordering="n_representatives")
    def representative_count(self, company):
        return company.n_representatives


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the log is written by the portal's actions, never by hand."""

    list_display = ("at", "kind", "actor", "ip", "details")
    list_filter = ("kind",)
    search_fields = ("actor__username",)
    date_hierarchy = "at"
    list_select_related = ("actor",)
    fields = ("at", "kind", "actor", "ip", "details")
    readonly_fields = fields

    @admin.display(description=_("details"))
    def details(self, event):
        """One "key: value" line per detail, not the stored JSON."""
        return format_html_join(mark_safe("<br>"), "{}: {}", audit.readable(event.detail)) or "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
