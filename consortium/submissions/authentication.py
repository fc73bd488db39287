"""Miners calling the portal: `Authorization: Miner <i> <secret_i>` (docs/api.md, "Authentication").

The index chooses which configured secret the presented one is compared with, so the
secret of miner 1 can never authenticate miner 2 (their secrets differ).
"""

import hmac
import secrets

from django.conf import settings
from rest_framework import authentication, exceptions, permissions

SCHEME = "Miner"


class MinerPrincipal:
    """request.user for a miner's call: only its index, which the credential proved."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, index: int):
        self.index = index

    def __str__(self):
        return f"miner {self.index}"


class MinerAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        parts = header.split()
        if not parts or parts[0] != SCHEME:
            return None  # no miner credentials: the permission check answers 401
        if len(parts) != 3 or parts[1] not in {str(i) for i in range(len(settings.MINERS))}:
            raise exceptions.AuthenticationFailed()
        index = int(parts[1])
        expected = settings.MINERS[index].get("secret") or ""
        # An unconfigured secret is compared with a random one, so nothing ever matches it
        # and the time taken does not tell a caller which miners are configured.
        reference = expected.encode() if expected else secrets.token_bytes(32)
        if not hmac.compare_digest(parts[2].encode(), reference) or not expected:
            raise exceptions.AuthenticationFailed()
        return MinerPrincipal(index), None

    def authenticate_header(self, request):
        return SCHEME


class IsMiner(permissions.BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.user, MinerPrincipal)


try:
    from drf_spectacular.extensions import OpenApiAuthenticationExtension
except ImportError:  # pragma: no cover - drf-spectacular is a dependency; the API works without it
    OpenApiAuthenticationExtension = None

if OpenApiAuthenticationExtension is not None:

    class MinerAuthenticationScheme(OpenApiAuthenticationExtension):
        """How the OpenAPI schema describes the miners' credential."""

        target_class = MinerAuthentication
        name = "MinerSecret"

        def get_security_definition(self, auto_schema):
            return {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "`Miner <i> <secret_i>`: the miner's index and its pre-agreed secret.",
            }
