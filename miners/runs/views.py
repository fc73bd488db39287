"""`POST /api/runs` and `GET /api/runs/<run_id>` (docs/api.md section 4): the portal only."""

from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from miners.authentication import IsPortal, PortalAuthentication
from miners.store.models import Run

from . import actions, tasks
from .serializers import AcceptedSerializer, ProgressSerializer, RunRequestSerializer

_UNAUTHORIZED = OpenApiResponse(description="no valid portal credentials")


class _PortalView(APIView):
    authentication_classes = [PortalAuthentication]
    permission_classes = [IsPortal]


class RunsView(_PortalView):
    @extend_schema(operation_id="miner_runs_start", summary="Start a run (idempotent on the same request).",
                   request=RunRequestSerializer,
                   responses={202: AcceptedSerializer, 400: OpenApiResponse(description="malformed request"),
                              401: _UNAUTHORIZED,
                              409: OpenApiResponse(description="the run id is known with other parameters")},
                   tags=["portal -> miner"])
    def post(self, request):
        body = RunRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
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
