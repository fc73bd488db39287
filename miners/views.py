from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from miners.health import health


class HealthView(APIView):
    """The miner's health as the portal sees it (no credential: it tells nothing secret)."""

    authentication_classes = []
    permission_classes = []

    @extend_schema(
        operation_id="miner_health",
        summary="This miner's index, version, key fingerprint, sharing library digest and peers.",
        responses={200: inline_serializer("MinerHealth", {
            "status": serializers.ChoiceField(choices=["ok", "degraded"]),
            "miner_index": serializers.IntegerField(),
            "peers": serializers.DictField(child=serializers.ChoiceField(
                choices=["ok", "unreachable", "not_configured"])),
            "version": serializers.CharField(),
            "peer_protocol": serializers.IntegerField(
                help_text="the version of the peer channel's protocol this miner speaks (peers must agree)"),
            "key_fingerprint": serializers.CharField(
                help_text="SHA-256 of the public key, 8 groups of 4 hex digits; empty without a key"),
            "sharing_library_sha256": serializers.CharField(
                help_text="SHA-256 (64 hex digits) of static/js/sharing.js as this miner's version ships it, "
                          "the code members' browsers should run; empty when the file is missing"),
        })},
        tags=["portal -> miner"])
    def get(self, request):
        response = Response(health())
        response["Cache-Control"] = "no-cache, no-store, must-revalidate, max-age=0"
        return response
