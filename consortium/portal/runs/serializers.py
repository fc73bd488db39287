"""The bodies miners push to the portal for a run (docs/api.md section 4), validated with bounds."""

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from consortium.contract import share_arrays
from consortium.contract.run_request import (
    MAX_ANALYSES,
    MAX_ERROR_LENGTH,
    MAX_SERIES_PERIODS,
    MAX_STEP_LENGTH,
    RUN_STATES,
)

# Base64 of RUN_OUTPUT_MAX_VALUES 64-bit words, with padding.
_MAX_B64 = share_arrays.max_base64_length(settings.RUN_OUTPUT_MAX_VALUES)


class ProgressSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=RUN_STATES)
    progress = serializers.FloatField(min_value=0.0, max_value=1.0)
    step = serializers.CharField(max_length=MAX_STEP_LENGTH, allow_blank=True, required=False, default="")
    error = serializers.CharField(max_length=MAX_ERROR_LENGTH, allow_blank=True, required=False, default="")


class ShareArraySerializer(serializers.Serializer):
    dtype = serializers.ChoiceField(choices=("u32", "u64"))
    data = serializers.CharField(max_length=_MAX_B64, allow_blank=True, trim_whitespace=False)


class PairSerializer(serializers.Serializer):
    a = ShareArraySerializer()
    b = ShareArraySerializer()


@extend_schema_field({"oneOf": [{"type": "integer", "minimum": 0},
                                 {"type": "array", "items": {"type": "integer", "minimum": 0},
                                  "maxItems": MAX_SERIES_PERIODS}]})
class RejectedField(serializers.Field):
    """An int (one column) or a list of ints (one per period of a time series), each >= 0."""

    def to_internal_value(self, data):
        items = data if isinstance(data, list) else [data]
        if len(items) > MAX_SERIES_PERIODS or not all(
                isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= settings.RUN_OUTPUT_MAX_VALUES
                for x in items):
            raise serializers.ValidationError("an integer or a list of up to 3 integers in range")
        return data

    def to_representation(self, value):
        return value


class OutputSerializer(serializers.Serializer):
    analysis = serializers.IntegerField(min_value=0, max_value=MAX_ANALYSES - 1)
    count = serializers.IntegerField(min_value=0, max_value=settings.RUN_OUTPUT_MAX_VALUES)
    rejected = RejectedField()
    a = ShareArraySerializer(required=False)
    b = ShareArraySerializer(required=False)
    rows = serializers.ListField(child=PairSerializer(), max_length=MAX_SERIES_PERIODS, required=False)
    present = serializers.ListField(child=PairSerializer(), max_length=MAX_SERIES_PERIODS, required=False)

    def validate(self, attrs):
        series = "rows" in attrs or "present" in attrs
        if series != ("a" not in attrs and "b" not in attrs) or (not series and ("a" not in attrs or
                                                                               "b" not in attrs)):
            raise serializers.ValidationError("either a and b, or rows and present")
        if series and ("rows" not in attrs or "present" not in attrs):
            raise serializers.ValidationError("a time series needs rows and present")
        return attrs


class OutputsSerializer(serializers.Serializer):
    miner = serializers.IntegerField(min_value=0, max_value=2)
    outputs = serializers.ListField(child=OutputSerializer(), max_length=MAX_ANALYSES)
    digest = serializers.RegexField(r"^[0-9a-f]{64}$")
    signature = serializers.CharField(max_length=100)


class RunAnswerSerializer(serializers.Serializer):
    """The portal's answer to a push: the run's state and, when it failed, why."""

    state = serializers.CharField()
    error = serializers.CharField(allow_blank=True)
