from django.apps import AppConfig


class ConsortiumConfig(AppConfig):
    name = "consortium"
    verbose_name = "Consortium"

    def ready(self):
        from django.core import checks

        from consortium.checks import (
            check_deployment_role,
            check_metrics_processes,
            check_miner_own_settings,
            check_miner_settings,
        )

        checks.register(check_deployment_role)
        checks.register(check_miner_settings)
        checks.register(check_miner_own_settings)
        checks.register(check_metrics_processes)
