from django.apps import AppConfig


class StoreConfig(AppConfig):
    name = "miners.store"
    label = "miner_store"
    verbose_name = "Miner share store"
    default_auto_field = "django.db.models.BigAutoField"
