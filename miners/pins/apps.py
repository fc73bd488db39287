from django.apps import AppConfig


class PinsConfig(AppConfig):
    name = "miners.pins"
    label = "miner_pins"
    verbose_name = "Pinned peer keys"
    default_auto_field = "django.db.models.BigAutoField"
