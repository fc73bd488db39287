"""`GET /api/miner/hello` (miner -> portal, docs/api.md section 1): "does the portal accept my credentials?"

A miner's doctor asks it: 200 with the index the credential proved and the portal's clock, 401 otherwise.
Nothing is recorded and nothing else is said."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .authentication import IsMiner, MinerAuthentication


class HelloView(APIView):
    authentication_classes = [MinerAuthentication]
    permission_classes = [IsMiner]

    @extend_schema(
        operation_id="miner_hello",
        summary="Does the portal accept the calling miner's credentials? (the miner's doctor asks)",
        responses={200: inline_serializer("MinerHello", {"miner": serializers.IntegerField(),
                                                         "time": serializers.DateTimeField()}),
                   401: OpenApiResponse(description="no valid miner credentials")},
        tags=["miner -> portal"])
    def get(self, request):
        return Response({"miner": request.user.index, "time": timezone.now().isoformat()})
