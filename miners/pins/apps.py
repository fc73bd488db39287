from django.apps import AppConfig


class PinsConfig(AppConfig):
    name = "miners.pins"
    label = "miner_pins"
    verbose_name = "Pinned peer keys"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from consortium import checks

        from .store import peers_or_settings

        def pinned_peers():
            return {j: {"url": p.url, "public_key": p.public_key, "channel_url": p.channel_url}
                    for j, p in peers_or_settings().items()}

        checks.PINNED_PEERS = pinned_peers
