"""The portal calling this miner: `Authorization: Portal <secret>` (docs/api.md, "Authentication"), the
secret of the (portal, this miner) pair (PORTAL_SECRET), compared in constant time."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from consortium.contract import credentials


class PortalPrincipal:
    """request.user for the portal's call: the credential proved who it is, and nothing else."""

    is_authenticated = True
    is_anonymous = False

    def __str__(self):
        return "the portal"


class PortalAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if credentials.scheme_of(header) != credentials.PORTAL_SCHEME:
            return None  # no portal credentials: the permission check answers 401
        try:
            secret = credentials.parse_portal(header)
        except credentials.BadCredentials:
            raise exceptions.AuthenticationFailed() from None
        if not credentials.secret_matches(secret, settings.PORTAL_SECRET or ""):
            raise exceptions.AuthenticationFailed()
        return PortalPrincipal(), None

    def authenticate_header(self, request):
        return credentials.PORTAL_SCHEME


class IsPortal(permissions.BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.user, PortalPrincipal)


class PortalAuthenticationScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes the portal's credential."""

    target_class = PortalAuthentication
    name = "PortalSecret"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Portal <secret>`: the secret this miner shares with the portal."}
