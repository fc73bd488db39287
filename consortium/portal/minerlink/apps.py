from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MinerlinkConfig(AppConfig):
    name = "consortium.portal.minerlink"
    label = "minerlink"
    verbose_name = _("Miners' identity keys")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from consortium import checks

        from .keys import stored_key_or_none

        checks.PINNED_MINER_KEY = stored_key_or_none
