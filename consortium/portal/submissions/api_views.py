"""JSON endpoints: the miners' token check and the browser's receipts (docs/api.md, sections 1 and 3)."""

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from consortium.portal import metrics
from consortium.portal.accounts.permissions import IsRepresentative
from consortium.portal.minerlink.authentication import IsMiner, MinerAuthentication

from . import actions, failures
from .models import Submission
from .serializers import (
    ReceiptSerializer,
    ReceiptsRequest,
    ReceiptsResponse,
    TokenVerifyBatchRequest,
    TokenVerifyBatchResponse,
    TokenVerifyRequest,
    TokenVerifyResponse,
)


class TokenVerifyView(APIView):
    authentication_classes = [MinerAuthentication]
    permission_classes = [IsMiner]

    @extend_schema(
        operation_id="miner_tokens_verify",
        summary="Is this access token (or is each of these) valid for its form and period, and unused by the "
                "calling miner?",
        request=PolymorphicProxySerializer(
            component_name="TokenVerifyOneOrMany", serializers=[TokenVerifyRequest, TokenVerifyBatchRequest],
            resource_type_field_name=None),
        responses={200: PolymorphicProxySerializer(
                       component_name="TokenVerifyAnswers",
                       serializers=[TokenVerifyResponse, TokenVerifyBatchResponse],
                       resource_type_field_name=None),
                   400: OpenApiResponse(description="malformed request"),
                   401: OpenApiResponse(description="no valid miner credentials")},
        tags=["miner -> portal"],
    )
    def post(self, request):
        batch = isinstance(request.data, dict) and "tokens" in request.data
        body = (TokenVerifyBatchRequest if batch else TokenVerifyRequest)(data=request.data)
        body.is_valid(raise_exception=True)
        items = body.validated_data["tokens"] if batch else [body.validated_data]
        checks = [(item["token"], item["period"], item["form"]) for item in items]
        answers = [_answer(request.user.index, result)
                   for result in actions.do_verify_tokens(request.user.index, checks)]
        return Response({"results": answers} if batch else answers[0])


def _answer(miner: int, result: actions.VerifyResult) -> dict:
    metrics.token_checked(miner, "valid" if result.valid else result.reason)
    if not result.valid:
        return {"valid": False, "reason": result.reason}
    return {"valid": True, "submission_id": result.submission_id, "period": result.period,
            "ring": result.ring, "fields": result.fields}


class ReceiptsView(APIView):
    # SessionAuthentication enforces CSRF for every unsafe method.
    authentication_classes = [SessionAuthentication]
    permission_classes = [IsRepresentative]

    @extend_schema(
        operation_id="submissions_receipts",
        summary="The browser forwards the three miners' signed receipts; three valid ones complete it.",
        request=ReceiptsRequest,
        responses={200: ReceiptsResponse, 400: ReceiptsResponse, 404: ReceiptsResponse},
        tags=["browser -> portal"],
    )
    def post(self, request):
        body = ReceiptsRequest(data=request.data)
        body.is_valid(raise_exception=True)
        receipts = [_parse_receipt(r) for r in body.validated_data["receipts"]]
        try:
            result = actions.do_accept_receipts(request.user, body.validated_data["form"], receipts,
                                                request=request)
        except Submission.DoesNotExist:
            return Response({"complete": False, "reason": _("This form is unknown; please open a new one.")},
                            status=status.HTTP_404_NOT_FOUND)
        if result.complete:
            return Response({"complete": True, "submitted_at": result.submitted_at.isoformat(),
                             "submitted_at_display": submitted_display(result.submitted_at)})
        return Response({"complete": False, "reason": failures.describe(result.reason)},
                        status=status.HTTP_400_BAD_REQUEST)


def submitted_display(when) -> str:
    """The time as every other page shows it: the request's language, the consortium's TIME_ZONE (a
    browser's own locale and zone would say "12/4/2026, 9:56:59 PM" next to "5 December 2026, 01:56")."""
    return date_format(timezone.localtime(when), "DATETIME_FORMAT")


def _parse_receipt(raw: dict) -> dict | None:
    receipt = ReceiptSerializer(data=raw)
    return receipt.validated_data if receipt.is_valid() else None
