"""System checks on the deployment role.

`manage.py check`, `migrate` and the Docker entrypoint run them, so a misconfigured
miner stops before it serves or computes anything.
"""

from django.conf import settings
from django.core import checks


def check_deployment_role(app_configs=None, **kwargs):
    if settings.DEPLOYMENT_MODE == "miner" and settings.MINER_INDEX is None:
        return [
            checks.Error(
                "A miner needs MINER_INDEX.",
                hint="Set MINER_INDEX to 0, 1 or 2: the share of every input this miner holds.",
                id="consortium.E001",
            )
        ]
    if settings.DEPLOYMENT_MODE == "portal" and settings.MINER_INDEX is not None:
        return [
            checks.Warning(
                "MINER_INDEX is set but DEPLOYMENT_MODE is portal; it is ignored.",
                hint="Unset MINER_INDEX, or set DEPLOYMENT_MODE=miner.",
                id="consortium.W001",
            )
        ]
    return []
