"""Staff see the miners' registrations with their fingerprints and approve them (an admin action), and the
keys the portal has pinned."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import actions
from .models import MinerKey, MinerRegistration


@admin.action(description=_("Approve: pin this key for its miner (after comparing the fingerprint)"))
def approve(modeladmin, request, queryset):
    done = [r for r in queryset if actions.approve(r, request.user, request)]
    for registration in done:
        modeladmin.message_user(request, _("Miner %(index)s's key %(fingerprint)s is pinned.") % {
            "index": registration.index, "fingerprint": registration.fingerprint}, messages.SUCCESS)
    if len(done) < queryset.count():
        modeladmin.message_user(request, _("Registrations approved before were left as they were."),
                                messages.INFO)


@admin.register(MinerRegistration)
class MinerRegistrationAdmin(admin.ModelAdmin):
    list_display = ("index", "fingerprint", "url", "state", "created", "decided_by", "decided_at")
    list_filter = ("state", "index")
    readonly_fields = ("index", "url", "public_key", "fingerprint", "state", "created", "decided_by",
                       "decided_at")
    actions = [approve]

    def has_add_permission(self, request):
        return False  # a miner registers itself, with its secret

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MinerKey)
class MinerKeyAdmin(admin.ModelAdmin):
    list_display = ("index", "public_key", "pinned_at", "previous_until")
    readonly_fields = ("index", "public_key", "pinned_at", "previous_key", "previous_until")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
