"""The miners' identity endpoints on the portal (docs/api.md section 7), `Authorization: Miner <i> <secret>`:
a registration for staff to approve, and a rotation signed by the key the portal has pinned."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from consortium.contract import keys
from consortium.contract.rotation import BadRotation, parse_rotation

from . import actions
from .authentication import IsMiner, MinerAuthentication

_Error = inline_serializer("PortalIdentityError", {"detail": serializers.CharField()})


class RegistrationRequest(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    public_key = serializers.CharField(max_length=64)

    def validate_public_key(self, value):
        problem = keys.ed25519_key_problem(value)
        if problem:
            raise serializers.ValidationError(f"the public key {problem}")
        return value


class RegistrationView(APIView):
    authentication_classes = [MinerAuthentication]
    permission_classes = [IsMiner]

    @extend_schema(operation_id="portal_miner_registration", request=RegistrationRequest,
                   summary="A miner registers its URL and identity key; staff approve it in admin.",
                   responses={202: inline_serializer("RegistrationAnswer", {
                       "status": serializers.ChoiceField(choices=["pending", "approved"]),
                       "fingerprint": serializers.CharField()}), 400: _Error, 401: _Error},
                   tags=["miner -> portal"])
    def post(self, request):
        parsed = RegistrationRequest(data=request.data)
        if not parsed.is_valid():
            return Response({"detail": "Not a valid registration.", "errors": parsed.errors}, status=400)
        registration = actions.register(request.user.index, parsed.validated_data["url"],
                                        parsed.validated_data["public_key"], request)
        return Response({"status": registration.state, "fingerprint": registration.fingerprint}, status=202)


class RotationView(APIView):
    authentication_classes = [MinerAuthentication]
    permission_classes = [IsMiner]

    @extend_schema(operation_id="portal_miner_key_rotation",
                   summary="A miner's new identity key, signed by the key the portal has pinned for it.",
                   request=inline_serializer("PortalRotationStatement", {
                       "miner": serializers.IntegerField(), "old_public_key": serializers.CharField(),
                       "new_public_key": serializers.CharField(), "at": serializers.CharField(),
                       "signature": serializers.CharField()}),
                   responses={200: inline_serializer("PortalRotationAccepted", {
                       "result": serializers.ChoiceField(choices=["accepted", "already applied"])}),
                       400: _Error, 401: _Error, 403: _Error}, tags=["miner -> portal"])
    def post(self, request):
        try:
            rotation = parse_rotation(request.data)
        except BadRotation as exc:
            return Response({"detail": f"Not a rotation statement: {exc}."}, status=400)
        if rotation.miner != request.user.index:
            return Response({"detail": "A miner rotates its own key only."}, status=403)
        try:
            result = actions.rotate(rotation, request)
        except BadRotation as exc:
            return Response({"detail": f"Rotation refused: {exc}."}, status=403)
        return Response({"result": result})
