"""`POST /api/shares`: the request and the receipt, validated at the edge with bounds."""

import re
import threading

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from consortium.contract.tokens import TOKEN_LENGTH
from miners.fields import (
    CODE_PATTERN,
    MAX_ID,
    UUID_PATTERN,
    ClosedSerializer,
    StrictIntegerField,
    StrictRegexField,
    StrictUUIDField,
)

MAX_RING_BITS = 64
_SHARE = re.compile(r"0|[1-9][0-9]{0,19}", re.ASCII)  # canonical decimal: the digest covers it as sent
_CODE = re.compile(CODE_PATTERN, re.ASCII)


@extend_schema_field({
    "type": "object", "minProperties": 1, "maxProperties": settings.MINER_MAX_FIELDS,
    "description": "{field code: share}, field codes of 1 to 40 letters, digits, - or _; `values` and "
                   "`submitted` name the same codes, exactly the period's fields",
    "additionalProperties": {
        "type": "string", "pattern": "^(0|[1-9][0-9]{0,19})$",
        "description": "this miner's share: a ring element (below 2^k, k the period's ring), in decimal"}})
class SharesField(serializers.Field):
    """{code: "<decimal share>"}: each share a canonical decimal string of an integer in [0, 2^64)
    (the ring of the period is checked once the portal named it)."""

    def to_internal_value(self, data):
        if not isinstance(data, dict) or not data:
            raise serializers.ValidationError("an object of field codes to decimal strings")
        if len(data) > settings.MINER_MAX_FIELDS:
            raise serializers.ValidationError(f"at most {settings.MINER_MAX_FIELDS} fields")
        shares = {}
        for code, share in data.items():
            if not _CODE.fullmatch(code):
                raise serializers.ValidationError("a field code is not 1 to 40 letters, digits, - or _")
            if not isinstance(share, str) or not _SHARE.fullmatch(share) or int(share) >= 2**MAX_RING_BITS:
                # names the field, never the value: it is a member's share
                raise serializers.ValidationError(
                    f"{code}: not a decimal string of an integer from 0 to 2^{MAX_RING_BITS} - 1")
            shares[code] = int(share)
        return shares

    def to_representation(self, value):
        return {code: str(share) for code, share in value.items()}


class SharesRequest(ClosedSerializer):
    token = StrictRegexField(r"^[A-Za-z0-9_-]+$", min_length=TOKEN_LENGTH, max_length=TOKEN_LENGTH)
    period = StrictIntegerField(min_value=1, max_value=MAX_ID)
    form = StrictUUIDField()
    values = SharesField()
    submitted = SharesField()

    _bound = threading.local()

    @property
    def fields(self):
        """The declared fields, copied and bound once per thread instead of once per request: DRF deep-copies
        every field for every serializer, which was an eighth of the miner's CPU per submission
        (docs/performance.md, "Share intake"). A thread validates one body at a time, and these fields keep
        no state of a validation: their parent is the thread's first serializer, whose context and
        `partial` are those of every other (none, False)."""
        bound = getattr(SharesRequest._bound, "fields", None)
        if bound is None:
            bound = SharesRequest._bound.fields = super().fields
        return bound

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if set(attrs["values"]) != set(attrs["submitted"]):
            raise serializers.ValidationError({"submitted": ["must name exactly the fields of values"]})
        return attrs


class ReceiptResponse(serializers.Serializer):
    miner = serializers.IntegerField(min_value=0, max_value=2)
    period = serializers.IntegerField()
    submission_id = serializers.UUIDField()
    digest = serializers.RegexField(r"^[0-9a-f]{64}$")
    signature = serializers.CharField(help_text="base64 of the Ed25519 signature of the receipt message")


class ErrorResponse(serializers.Serializer):
    detail = serializers.CharField()
    reason = serializers.CharField(required=False)


MAX_PORTAL_FIELDS = 1000
_UUID = re.compile(UUID_PATTERN.removeprefix("^").removesuffix("$"), re.ASCII)


def verified_answer(answer: dict) -> dict | None:
    """The portal's answer to a valid token (docs/api.md section 1) if it is exactly that, else None.

    Plain checks, not a DRF serializer: this runs on every share submission, and building and running a
    serializer of these five fields cost a tenth of the miner's CPU per submission (docs/performance.md,
    "Share intake"). It is no request body, so it has no place in the OpenAPI schema either.
    """
    sid, period, ring, fields = (answer.get(k) for k in ("submission_id", "period", "ring", "fields"))
    if (answer.get("valid") is not True
            or not isinstance(sid, str) or not _UUID.fullmatch(sid)
            or type(period) is not int or not 1 <= period <= MAX_ID
            or type(ring) is not int or ring not in (32, 64)
            or not isinstance(fields, list) or len(fields) > MAX_PORTAL_FIELDS
            or not all(isinstance(code, str) and _CODE.fullmatch(code) for code in fields)):
        return None
    return {"submission_id": sid, "period": period, "ring": ring, "fields": fields}
