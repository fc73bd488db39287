"""`GET /api/miner/hello` (miner -> portal, docs/api.md section 1): "does the portal accept my credentials?"

A miner's doctor asks it: 200 with the index the credential proved, the fingerprint of the key the portal
has pinned for that miner (null: none yet), that of its registration waiting for approval (null: none)
and the portal's clock; 401
otherwise. Nothing is recorded and nothing else is said."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from consortium.contract import keys

from .authentication import IsMiner, MinerAuthentication
from .keys import pinned_key
from .models import MinerRegistration


class HelloView(APIView):
    authentication_classes = [MinerAuthentication]
    permission_classes = [IsMiner]

    @extend_schema(
        operation_id="miner_hello",
        summary="Does the portal accept the calling miner's credentials? (the miner's doctor asks)",
        responses={200: inline_serializer("MinerHello", {
            "miner": serializers.IntegerField(),
            "key_fingerprint": serializers.CharField(allow_null=True),
            "pending_fingerprint": serializers.CharField(allow_null=True),
            "time": serializers.DateTimeField()}),
                   401: OpenApiResponse(description="no valid miner credentials")},
        tags=["miner -> portal"])
    def get(self, request):
        pinned = pinned_key(request.user.index)
        pending = (MinerRegistration.objects.filter(index=request.user.index,
                                                    state=MinerRegistration.State.PENDING)
                   .values_list("fingerprint", flat=True).first())
        return Response({"miner": request.user.index,
                         "key_fingerprint": keys.fingerprint(pinned) if pinned else None,
                         "pending_fingerprint": pending,
                         "time": timezone.now().isoformat()})
