"""Miner -> portal pushes for a run (docs/api.md section 4): progress and signed output shares.

Authenticated as `Authorization: Miner <i> <secret_i>`; the index the credential proved is the
miner the push is recorded for, whatever the body says.
"""

from django.utils import translation
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from consortium.portal.minerlink.authentication import IsMiner, MinerAuthentication

from . import actions
from .models import AnalysisRun
from .serializers import OutputsSerializer, ProgressSerializer, RunAnswerSerializer


class _MinerView(APIView):
    authentication_classes = [MinerAuthentication]
    permission_classes = [IsMiner]

    def _answer(self, run, code=status.HTTP_200_OK):
        with translation.override("en"):  # a miner's log is read by its host's administrator
            return Response({"state": run.state, "error": run.reason}, status=code)


def _not_found():
    return Response({"detail": "unknown run"}, status=status.HTTP_404_NOT_FOUND)


def _conflict(exc):
    return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)


class ProgressView(_MinerView):
    @extend_schema(request=ProgressSerializer, responses={200: RunAnswerSerializer})
    def post(self, request, run_id):
        body = ProgressSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            run = actions.do_record_progress(run_id, request.user.index, body.validated_data)
        except AnalysisRun.DoesNotExist:
            return _not_found()
        return self._answer(run)


class OutputsView(_MinerView):
    @extend_schema(request=OutputsSerializer, responses={202: RunAnswerSerializer, 400: RunAnswerSerializer,
                                                         409: RunAnswerSerializer})
    def post(self, request, run_id):
        body = OutputsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        # The signature covers the outputs exactly as sent; they must equal the validated ones,
        # which alone are stored and reconstructed (checked with the signature, in the action).
        try:
            run = actions.do_record_outputs(run_id, request.user.index, body.validated_data,
                                            request.data["outputs"])
        except AnalysisRun.DoesNotExist:
            return _not_found()
        except actions.RunConflict as exc:
            return _conflict(exc)
        failed = run.state == AnalysisRun.State.FAILED
        code = status.HTTP_400_BAD_REQUEST if failed else status.HTTP_202_ACCEPTED
        return self._answer(run, code)
