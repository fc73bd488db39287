"""Admin forms: the bounds a period and its indicators must respect before they reach the database."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CollectionPeriod, Encoding, IndicatorDefinition

# Encoded values live in Z_2^64 as signed integers; keeping bounds within +-2^62 leaves room
# for the sums of two values in the analyses (e.g. a ratio's intermediate) without wrapping.
VALUE_LIMIT = 2**62
# Ten decimal places is beyond any financial indicator and keeps 10**scale well inside the ring.
MAX_SCALE = 10


class PeriodForm(forms.ModelForm):
    class Meta:
        model = CollectionPeriod
        fields = ["name", "kind", "starts_on", "ends_on", "deadline"]

    def clean(self):
        data = super().clean()
        starts, ends, deadline = data.get("starts_on"), data.get("ends_on"), data.get("deadline")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("A period cannot end before it starts."))
        if starts and deadline and deadline < starts:
            self.add_error("deadline", _("The deadline cannot be before the period starts."))
        return data


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = IndicatorDefinition
        fields = ["position", "code", "name", "unit", "help_text", "encoding", "scale", "lo", "hi",
                  "required"]
        # sized so that the admin's table of indicators fits a 1280 px window
        # (test_admin_indicator_table_fits); the help text, a sentence, wraps in a box of three lines
        widgets = {
            "position": forms.NumberInput(attrs={"style": "width: 3em"}),
            "code": forms.TextInput(attrs={"style": "width: 7.5em"}),
            "name": forms.TextInput(attrs={"style": "width: 9.5em"}),
            "unit": forms.TextInput(attrs={"style": "width: 3em"}),
            "help_text": forms.Textarea(attrs={"style": "width: 13em", "rows": 3, "maxlength": 300}),
            "encoding": forms.Select(attrs={"style": "width: 8em"}),
            "scale": forms.NumberInput(attrs={"style": "width: 3em"}),
            "lo": forms.NumberInput(attrs={"style": "width: 10.5em"}),
            "hi": forms.NumberInput(attrs={"style": "width: 10.5em"}),
        }

    def clean(self):
        data = super().clean()
        encoding, scale = data.get("encoding"), data.get("scale")
        if encoding == Encoding.INTEGER and scale:
            self.add_error("scale", _("An integer indicator has no decimal places; choose fixed-point."))
        if encoding == Encoding.FIXED and scale is not None and not 1 <= scale <= MAX_SCALE:
            self.add_error("scale", _("A fixed-point indicator has 1 to %(max)d decimal places.")
                           % {"max": MAX_SCALE})
        lo, hi = data.get("lo"), data.get("hi")
        for name in ("lo", "hi"):
            value = data.get(name)
            if value is not None and abs(value) > VALUE_LIMIT:
                self.add_error(name, _("Keep bounds within ±2^62 (the 64-bit ring)."))
        if lo is not None and hi is not None and lo > hi:
            self.add_error("hi", _("The highest allowed value is below the lowest."))
        return data
