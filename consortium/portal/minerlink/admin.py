"""Staff see the miners' registrations with their fingerprints and approve them (an admin action), and the
keys the portal has pinned."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from consortium.contract import keys

from . import actions
from .keys import pinned_key
from .models import MinerKey, MinerRegistration


def miner_name(index: int) -> str:
    """Miner 3 (index 2): the name people use (pages, documents) and the index the settings use."""
    return _("Miner %(number)s (index %(index)s)") % {"number": index + 1, "index": index}


@admin.action(description=_("Approve: pin this key for its miner (after comparing the fingerprint)"))
def approve(modeladmin, request, queryset):
    done = [r for r in queryset if actions.approve(r, request.user, request)]
    for registration in done:
        modeladmin.message_user(request, _("%(miner)s: key %(fingerprint)s is pinned.") % {
            "miner": miner_name(registration.index), "fingerprint": registration.fingerprint},
            messages.SUCCESS)
    if len(done) < queryset.count():
        modeladmin.message_user(request, _("Registrations approved before were left as they were."),
                                messages.INFO)


@admin.register(MinerRegistration)
class MinerRegistrationAdmin(admin.ModelAdmin):
    list_display = ("miner", "fingerprint", "pinned_now", "url", "state", "created", "decided_by")
    readonly_fields = ("index", "url", "public_key", "fingerprint", "state", "created", "decided_by",
                       "decided_at")
    actions = [approve]

    @admin.display(description=_("miner"), ordering="index")
    def miner(self, registration):
        return miner_name(registration.index)

    @admin.display(description=_("key pinned now"))
    def pinned_now(self, registration):
        """What an approval would replace: the peers keep their own pins (they follow rotations only)."""
        pinned = pinned_key(registration.index)
        if not pinned:
            return _("none")
        if pinned == registration.public_key:
            return _("this one")
        return keys.fingerprint(pinned)

    def has_add_permission(self, request):
        return False  # a miner registers itself, with its secret

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the record of who approved which key stays


@admin.register(MinerKey)
class MinerKeyAdmin(admin.ModelAdmin):
    list_display = ("miner", "fingerprint", "pinned_at", "previous_until")
    readonly_fields = ("index", "fingerprint", "public_key", "pinned_at", "previous_key", "previous_until")

    @admin.display(description=_("miner"), ordering="index")
    def miner(self, key):
        return miner_name(key.index)

    @admin.display(description=_("fingerprint"))
    def fingerprint(self, key):
        return keys.fingerprint(key.public_key)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # deleting a pinned key would bring back MINER_<i>_PUBLIC_KEY, the key rotated away from
