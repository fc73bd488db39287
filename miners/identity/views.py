"""`GET /api/identity` and `POST /api/identity/rotation` (docs/api.md section 7): this miner's public key
for a new peer to pin (after comparing the fingerprint out of band), and a peer's key rotation, accepted
only when signed by the key pinned for that peer (the signature is the caller's credential)."""

import json
import logging

from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from consortium.contract import keys
from consortium.contract.rotation import BadRotation, parse_rotation
from miners.bodies import declared_length
from miners.pins.store import apply_rotation

from .keys import NoIdentity, own_public_key

log = logging.getLogger(__name__)

# A rotation statement is ~300 bytes; 4 KiB leaves room and nothing bigger is read.
MAX_ROTATION_BODY_BYTES = 4096


class _RawBody(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        return None


_Error = inline_serializer("IdentityError", {"detail": serializers.CharField()})


class IdentityView(APIView):
    """This miner's public identity (no credential: a public key is public)."""

    authentication_classes = []
    permission_classes = []

    @extend_schema(operation_id="miner_identity", summary="This miner's index, public key and fingerprint.",
                   responses={200: inline_serializer("MinerIdentity", {
                       "miner_index": serializers.IntegerField(),
                       "public_key": serializers.CharField(help_text="base64 of the 32-byte Ed25519 key"),
                       "fingerprint": serializers.CharField(help_text="8 groups of 4 hex digits")}),
                       503: _Error}, tags=["miner -> miner"])
    def get(self, request):
        try:
            public = own_public_key()
        except NoIdentity:
            return Response({"detail": "This miner has no identity key yet."}, status=503)
        response = Response({"miner_index": settings.MINER_INDEX, "public_key": public,
                             "fingerprint": keys.fingerprint(public)})
        response["Cache-Control"] = "no-store"
        return response


class RotationView(APIView):
    """A peer's rotation statement; its signature by the pinned key is the only credential."""

    authentication_classes = []
    permission_classes = []
    parser_classes = [_RawBody]
    # anyone may post here: a flood is answered 429 before any signature check or log line
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "identity_rotation"

    @extend_schema(operation_id="miner_key_rotation",
                   summary="A peer's new identity key, signed by the key this miner has pinned for it.",
                   request=inline_serializer("RotationStatement", {
                       "miner": serializers.IntegerField(), "old_public_key": serializers.CharField(),
                       "new_public_key": serializers.CharField(), "at": serializers.CharField(),
                       "signature": serializers.CharField()}),
                   responses={200: inline_serializer("RotationAccepted", {
                       "result": serializers.ChoiceField(choices=["accepted", "already applied"])}),
                       400: _Error, 403: _Error, 413: _Error, 415: _Error, 429: _Error},
                   tags=["miner -> miner"])
    def post(self, request):
        if request.content_type != "application/json":
            return Response({"detail": "The request body must be JSON."}, status=415)
        if declared_length(request) > MAX_ROTATION_BODY_BYTES or len(request.body) > MAX_ROTATION_BODY_BYTES:
            return Response({"detail": f"The request body is larger than {MAX_ROTATION_BODY_BYTES} bytes."},
                            status=413)
        try:
            rotation = parse_rotation(json.loads(request.body))
        except (ValueError, RecursionError) as exc:  # BadRotation is a ValueError
            detail = str(exc) if isinstance(exc, BadRotation) else "the body is not valid JSON"
            return Response({"detail": f"Not a rotation statement: {detail}."}, status=400)
        try:
            result = apply_rotation(rotation)
        except BadRotation as exc:
            log.warning("key rotation of miner %s refused: %s", rotation.miner, exc)
            return Response({"detail": f"Rotation refused: {exc}."}, status=403)
        log.info("key rotation of miner %s %s: now %s", rotation.miner, result,
                 keys.fingerprint(rotation.new_public_key))
        return Response({"result": result})
