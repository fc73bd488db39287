"""Strict DRF fields for bodies that must be exactly as docs/api.md writes them: a JSON integer is not
`"5"` or `5.0`, a string is not `5`, a UUID is lower-case and hyphenated."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
CODE_PATTERN = r"^[-a-zA-Z0-9_]{1,40}$"  # the portal's indicator codes (a SlugField of 40)
MAX_ID = 2**63 - 1


@extend_schema_field({"type": "integer"})
class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field({"type": "string"})
class StrictCharField(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "format": "uuid", "pattern": UUID_PATTERN})
class StrictUUIDField(serializers.RegexField):
    def __init__(self, **kwargs):
        super().__init__(UUID_PATTERN, max_length=36, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ClosedSerializer(serializers.Serializer):
    """A serializer that refuses keys it does not declare (DRF ignores them by default)."""

    def validate(self, attrs):
        if isinstance(self.initial_data, dict):
            unknown = sorted(set(self.initial_data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({key: ["unknown field"] for key in unknown[:20]})
        return attrs
