"""Strict DRF fields for bodies that must be exactly as docs/api.md writes them: a JSON integer is not
`"5"` or `5.0`, a string is not `5`, a boolean is not `"yes"` or `1`, a UUID is lower-case and hyphenated,
and a pattern matches the whole string (DRF's RegexField searches, and `$` also matches before a final
newline). The OpenAPI schema says the same: see the extensions at the end."""

import re

from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

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
    """A string as sent: not a number made a string, and not trimmed (DRF trims by default, so " x\n" would
    pass as "x" while the raw body, which the run stores, still holds the spaces)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field({"type": "boolean"})
class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictChoiceField(serializers.ChoiceField):
    """A choice of the very values listed: 32 is a ring, "32" is not (DRF compares their str())."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not any(type(data) is type(choice) and data == choice
                                             for choice in self.choices):
            self.fail("invalid_choice", input=data)
        return data


class ConstantField(StrictChoiceField):
    """A field with one allowed value (an analysis' `kind`): in the schema, an enum of that value alone."""

    def __init__(self, value, **kwargs):
        super().__init__(choices=[value], **kwargs)


class _NoSurrogates(ProhibitSurrogateCharactersValidator):
    """DRF's check of every character, skipped for ASCII (which has no surrogates): its loop in Python over
    the token and the form's id was 3 % of the miner's CPU per share submission."""

    def __call__(self, value):
        if not str(value).isascii():
            super().__call__(value)


class StrictRegexField(serializers.RegexField):
    """A string that the whole pattern matches (`^...$` as in the schema, without `$`'s final newline)."""

    def __init__(self, regex, **kwargs):
        kwargs.setdefault("trim_whitespace", False)  # as StrictCharField
        super().__init__(regex, **kwargs)
        self._whole = re.compile(regex.removeprefix("^").removesuffix("$"))
        self.validators = [_NoSurrogates() if isinstance(v, ProhibitSurrogateCharactersValidator) else v
                           for v in self.validators] + [self._matches_whole]

    def _matches_whole(self, value):
        if not self._whole.fullmatch(value):
            raise serializers.ValidationError("This value does not match the required pattern.")

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "format": "uuid", "pattern": UUID_PATTERN})
class StrictUUIDField(StrictRegexField):
    def __init__(self, **kwargs):
        super().__init__(UUID_PATTERN, max_length=36, **kwargs)


class ClosedSerializer(serializers.Serializer):
    """A serializer that refuses keys it does not declare (DRF ignores them by default)."""

    def validate(self, attrs):
        if isinstance(self.initial_data, dict):
            unknown = sorted(set(self.initial_data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({key: ["unknown field"] for key in unknown[:20]})
        return attrs


class ClosedSerializerScheme(OpenApiSerializerExtension):
    """In the schema, a closed serializer's object has `additionalProperties: false`, as its validation."""

    target_class = ClosedSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        if schema.get("description") == (ClosedSerializer.__doc__ or "").strip():
            del schema["description"]  # the base class's docstring is nothing to tell a caller
        return {**schema, "additionalProperties": False}


class ConstantFieldScheme(OpenApiSerializerFieldExtension):
    target_class = ConstantField

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "string", "enum": list(self.target.choices)}
