"""Request and response bodies of the submissions API (docs/api.md, sections 1 to 3), with bounds."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

TOKEN_LENGTH = 43  # base64url of 32 bytes, unpadded
MAX_RECEIPTS = 6  # three are expected; a few more still get a precise "duplicate" reason
# A miner coalesces the token checks of the submissions it has in flight at once into one request (docs/api.md
# section 1); its MINER_TOKEN_BATCH_MAX (32 by default) stays below this. 100 checks are one transaction of
# three queries and an answer of ~20 KB.
MAX_TOKEN_CHECKS = 100


class TokenVerifyRequest(serializers.Serializer):
    token = serializers.RegexField(r"^[A-Za-z0-9_-]+$", min_length=TOKEN_LENGTH, max_length=TOKEN_LENGTH)
    period = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    form = serializers.UUIDField()


class TokenVerifyBatchRequest(serializers.Serializer):
    tokens = TokenVerifyRequest(many=True, allow_empty=False, max_length=MAX_TOKEN_CHECKS)


class TokenVerifyResponse(serializers.Serializer):
    valid = serializers.BooleanField()
    reason = serializers.ChoiceField(
        choices=["unknown", "expired", "used", "wrong_period", "wrong_form", "period_closed"], required=False)
    submission_id = serializers.UUIDField(required=False)
    period = serializers.IntegerField(required=False)
    ring = serializers.ChoiceField(choices=[32, 64], required=False, help_text=_("bits of the period's ring"))
    fields = serializers.ListField(child=serializers.CharField(), required=False)


class TokenVerifyBatchResponse(serializers.Serializer):
    results = TokenVerifyResponse(many=True, help_text=_("one answer per check, in the order of the request"))


class ReceiptSerializer(serializers.Serializer):
    """One miner's receipt, as the miner returned it to the browser."""

    miner = serializers.IntegerField(min_value=0, max_value=2)
    period = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    submission_id = serializers.UUIDField()
    digest = serializers.RegexField(r"^[0-9a-f]{64}$")
    signature = serializers.RegexField(r"^[A-Za-z0-9+/]{86}==$",
                                        help_text=_("base64 of a 64-byte Ed25519 signature"))


class ReceiptsRequest(serializers.Serializer):
    form = serializers.UUIDField()
    # Shapes are checked one by one (ReceiptSerializer) so that a bad one fails the attempt with a reason.
    receipts = serializers.ListField(child=serializers.DictField(), max_length=MAX_RECEIPTS)


class ReceiptsResponse(serializers.Serializer):
    complete = serializers.BooleanField()
    submitted_at = serializers.DateTimeField(required=False)
    submitted_at_display = serializers.CharField(required=False)
    reason = serializers.CharField(required=False)
