"""`POST /api/periods/<period_id>/purge` (docs/api.md section 6): the portal only, with its secret."""

import logging

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from miners.authentication import IsPortal, PortalAuthentication
from miners.fields import MAX_ID
from miners.identity.keys import NoIdentity, signing_key

from . import actions

log = logging.getLogger(__name__)

_DETAIL = inline_serializer("PurgeError", {"detail": serializers.CharField()})
_RECEIPT = inline_serializer("DeletionReceipt", {
    "miner": serializers.IntegerField(),
    "period": serializers.IntegerField(),
    "submissions": serializers.IntegerField(help_text="how many submissions of the period were deleted"),
    "deleted_at": serializers.CharField(help_text="ISO 8601 UTC, whole seconds: 2026-12-05T01:02:03Z"),
    "signature": serializers.CharField(help_text="base64 Ed25519 over the deletion message"),
})


class PurgeView(APIView):
    authentication_classes = [PortalAuthentication]
    permission_classes = [IsPortal]
    parser_classes = []  # no body: the period is in the path

    @extend_schema(operation_id="miner_period_purge",
                   summary="Delete every share of a period (retention): a signed receipt. Idempotent.",
                   request=None,
                   responses={200: _RECEIPT, 400: _DETAIL,
                              401: OpenApiResponse(_DETAIL, description="no valid portal credentials"),
                              503: OpenApiResponse(_DETAIL, description="this miner has no identity key")},
                   tags=["portal -> miner"])
    def post(self, request, period_id):
        if not 1 <= period_id <= MAX_ID:
            return Response({"detail": "No such period."}, status=status.HTTP_400_BAD_REQUEST)
        try:
            key = signing_key()
        except NoIdentity:
            log.error("purge refused: this miner has no identity key to sign the receipt")
            return Response({"detail": "This miner is not configured to sign receipts; nothing was deleted."},
                            status=status.HTTP_503_SERVICE_UNAVAILABLE)
        purge = actions.do_purge(settings.MINER_INDEX, key, period_id)
        log.info("period %s purged: %s submission(s) deleted at %s", purge.period, purge.submissions,
                 purge.deleted_at.isoformat())
        return Response(actions.receipt(settings.MINER_INDEX, purge, key))
