"""`GET /api/doctor` (portal -> miner, docs/api.md section 5): the doctor's report for the portal's
miner-status page. The portal's credentials: the lines name settings and hosts, never a value."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from miners.authentication import IsPortal, PortalAuthentication

from .report import as_json, run_all
from .result import STATES

_STATUS = serializers.ChoiceField(choices=["ok", "warning", "problem"])


class DoctorView(APIView):
    authentication_classes = [PortalAuthentication]
    permission_classes = [IsPortal]

    @extend_schema(
        operation_id="miner_doctor",
        summary="The miner's doctor report: each check's state and one line (what is wrong, what to do).",
        responses={200: inline_serializer("MinerDoctor", {
            "status": _STATUS,
            "counts": serializers.DictField(child=serializers.IntegerField()),
            "checks": inline_serializer("MinerDoctorCheck", {
                "check": serializers.CharField(), "state": serializers.ChoiceField(choices=list(STATES)),
                "line": serializers.CharField()}, many=True),
        }), 401: OpenApiResponse(description="no valid portal credentials")},
        tags=["portal -> miner"])
    def get(self, request):
        response = Response(as_json(run_all()))
        response["Cache-Control"] = "no-store"
        return response
