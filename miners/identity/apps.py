from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "miners.identity"
    label = "miner_identity"
    verbose_name = "Miner identity"
