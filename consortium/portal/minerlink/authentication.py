"""Miners calling the portal: `Authorization: Miner <i> <secret_i>` (docs/api.md, "Authentication").

The index chooses which configured secret the presented one is compared with, so the
secret of miner 1 can never authenticate miner 2 (their secrets differ). The header is parsed
strictly by the contract (`consortium.contract.credentials`).
"""

from django.conf import settings
from rest_framework import authentication, exceptions, permissions

from consortium.contract import credentials


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
        if credentials.scheme_of(header) != credentials.MINER_SCHEME:
            return None  # no miner credentials: the permission check answers 401
        try:
            index, secret = credentials.parse_miner(header)
        except credentials.BadCredentials:
            raise exceptions.AuthenticationFailed() from None
        if not credentials.secret_matches(secret, settings.MINERS[index].get("secret") or ""):
            raise exceptions.AuthenticationFailed()
        return MinerPrincipal(index), None

    def authenticate_header(self, request):
        return credentials.MINER_SCHEME


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
