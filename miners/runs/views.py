"""`POST /api/runs` and `GET /api/runs/<run_id>` (docs/api.md section 4): the portal only."""

from django.conf import settings
from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from miners.authentication import IsPortal, PortalAuthentication
from miners.bodies import declared_length
from miners.retention import actions as retention
from miners.store.models import Run

from . import actions, tasks
from .serializers import AcceptedSerializer, ProgressSerializer, RunRequestSerializer

_DETAIL = inline_serializer("RunError", {"detail": serializers.CharField()})
_UNAUTHORIZED = OpenApiResponse(_DETAIL, description="no valid portal credentials")
_INVALID = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="malformed request: `detail` for a body that is not JSON, else the errors by field")


class _JSON(JSONParser):
    """DRF's JSON parser, and JSON nested deeper than Python's parser goes is a 400 too (it raises
    RecursionError, which DRF lets through as a 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply") from None


class _PortalView(APIView):
    authentication_classes = [PortalAuthentication]
    permission_classes = [IsPortal]
    parser_classes = [_JSON]


class RunsView(_PortalView):
    @extend_schema(operation_id="miner_runs_start", summary="Start a run (idempotent on the same request).",
                   request=RunRequestSerializer,
                   responses={202: AcceptedSerializer, 400: _INVALID, 401: _UNAUTHORIZED,
                              409: OpenApiResponse(_DETAIL,
                                                   description="the run id is known with other parameters"),
                              410: OpenApiResponse(_DETAIL, description="a period it reads was purged"),
                              413: OpenApiResponse(_DETAIL, description="over MINER_RUN_MAX_BODY_BYTES"),
                              415: OpenApiResponse(_DETAIL, description="the body is not JSON")},
                   tags=["portal -> miner"])
    def post(self, request):
        limit = settings.MINER_RUN_MAX_BODY_BYTES
        if declared_length(request) > limit:  # before Django refuses to read it, with an HTML 400
            return Response({"detail": f"The request body is larger than {limit} bytes."},
                            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        body = RunRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        purged = retention.refusal(retention.run_periods(request.data))
        if purged:
            return Response({"detail": purged}, status=status.HTTP_410_GONE)
        try:
            run, created = actions.do_accept_run(request.data)
        except actions.RunConflict as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        if created:
            transaction.on_commit(lambda: tasks.dispatch(str(run.run_id)))
        return Response({"accepted": True}, status=status.HTTP_202_ACCEPTED)


class RunView(_PortalView):
    @extend_schema(operation_id="miner_runs_progress", summary="This miner's progress on a run.",
                   responses={200: ProgressSerializer, 401: _UNAUTHORIZED,
                              404: OpenApiResponse(description="unknown run")},
                   tags=["portal -> miner"])
    def get(self, request, run_id):
        run = Run.objects.filter(run_id=run_id).first()
        if run is None:
            return Response({"detail": "unknown run"}, status=status.HTTP_404_NOT_FOUND)
        return Response(run.progress_body())
