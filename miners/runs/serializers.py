"""`POST /api/runs` (portal -> miner) and the progress body (docs/api.md section 4), with the contract's
bounds (consortium.contract.run_request)."""

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from consortium.contract.run_request import (
    ANALYSIS_KINDS,
    MAX_ANALYSES,
    MAX_COLUMNS,
    MAX_ERROR_LENGTH,
    MAX_SERIES_PERIODS,
    MAX_STEP_LENGTH,
    RINGS,
    RUN_STATES,
)
from miners.fields import (
    CODE_PATTERN,
    MAX_ID,
    ClosedSerializer,
    ConstantField,
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictIntegerField,
    StrictRegexField,
    StrictUUIDField,
)

BOUND = 2**63  # lo/hi are signed 64-bit at most; the ring's own range is checked against `ring`


class _Bounded(ClosedSerializer):
    @staticmethod
    def _range(attrs, lo, hi):
        if attrs[lo] > attrs[hi]:
            raise serializers.ValidationError({lo: [f"must not exceed {hi}"]})


class SortedIndicatorSerializer(_Bounded):
    kind = ConstantField("sorted_indicator")
    indicator = StrictRegexField(CODE_PATTERN)
    lo = StrictIntegerField(min_value=-BOUND, max_value=BOUND - 1)
    hi = StrictIntegerField(min_value=-BOUND, max_value=BOUND - 1)
    descending = StrictBooleanField(default=False)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        self._range(attrs, "lo", "hi")
        return attrs


class RatioSerializer(_Bounded):
    kind = ConstantField("ratio")
    name = StrictRegexField(CODE_PATTERN)
    numerator = StrictRegexField(CODE_PATTERN)
    denominator = StrictRegexField(CODE_PATTERN)
    num_lo = StrictIntegerField(min_value=-BOUND, max_value=BOUND - 1)
    num_hi = StrictIntegerField(min_value=-BOUND, max_value=BOUND - 1)
    den_lo = StrictIntegerField(min_value=-BOUND, max_value=BOUND - 1)
    den_hi = StrictIntegerField(min_value=-BOUND, max_value=BOUND - 1)
    frac_bits = StrictIntegerField(min_value=0, max_value=31)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        self._range(attrs, "num_lo", "num_hi")
        self._range(attrs, "den_lo", "den_hi")
        return attrs


class TimeSeriesSerializer(_Bounded):
    kind = ConstantField("time_series")
    indicator = StrictRegexField(CODE_PATTERN)
    lo = StrictIntegerField(min_value=-BOUND, max_value=BOUND - 1)
    hi = StrictIntegerField(min_value=-BOUND, max_value=BOUND - 1)
    periods = serializers.ListField(child=StrictIntegerField(min_value=1, max_value=MAX_ID), min_length=1,
                                    max_length=MAX_SERIES_PERIODS)
    rows = serializers.ListField(child=serializers.ListField(child=StrictUUIDField(allow_null=True),
                                                             max_length=MAX_COLUMNS),
                                 min_length=1, max_length=MAX_SERIES_PERIODS)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        self._range(attrs, "lo", "hi")
        if len(attrs["rows"]) != len(attrs["periods"]):
            raise serializers.ValidationError({"rows": ["one row per period"]})
        return attrs


_BY_KIND = {"sorted_indicator": SortedIndicatorSerializer, "ratio": RatioSerializer,
            "time_series": TimeSeriesSerializer}


@extend_schema_field(PolymorphicProxySerializer(
    component_name="Analysis", serializers=_BY_KIND, resource_type_field_name="kind"))
class AnalysisField(serializers.Field):
    """One analysis, validated by the serializer of its kind."""

    def to_internal_value(self, data):
        kind = data.get("kind") if isinstance(data, dict) else None
        if kind not in _BY_KIND:
            raise serializers.ValidationError(f"kind must be one of {', '.join(ANALYSIS_KINDS)}")
        inner = _BY_KIND[kind](data=data)
        if not inner.is_valid():
            raise serializers.ValidationError(inner.errors)
        return dict(inner.validated_data)

    def to_representation(self, value):
        return value


class RunRequestSerializer(ClosedSerializer):
    run_id = StrictUUIDField()
    period = StrictIntegerField(min_value=1, max_value=MAX_ID)
    ring = StrictChoiceField(choices=RINGS)
    columns = serializers.ListField(child=StrictUUIDField(), max_length=MAX_COLUMNS)
    analyses = serializers.ListField(child=AnalysisField(), max_length=MAX_ANALYSES)
    portal_url = StrictCharField(max_length=2000, allow_blank=True, required=False)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        ring_half = 2 ** (attrs["ring"] - 1)
        for k, a in enumerate(attrs["analyses"]):
            where = f"analysis {k}"
            bounds = [a[name] for name in ("lo", "hi", "num_lo", "num_hi", "den_lo", "den_hi") if name in a]
            if any(not -ring_half <= b < ring_half for b in bounds):
                raise serializers.ValidationError({"analyses": [f"{where}: a bound is outside the ring"]})
            if any(len(row) != len(attrs["columns"]) for row in a.get("rows", [])):
                raise serializers.ValidationError({"analyses": [f"{where}: a row is not one per column"]})
        return attrs


class AcceptedSerializer(serializers.Serializer):
    accepted = serializers.BooleanField()


class ProgressSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=RUN_STATES)
    progress = serializers.FloatField(min_value=0.0, max_value=1.0)
    step = serializers.CharField(max_length=MAX_STEP_LENGTH, allow_blank=True)
    error = serializers.CharField(max_length=MAX_ERROR_LENGTH, allow_blank=True)
