from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Feedback


class FeedbackForm(forms.Form):
    """Every question is optional; an answer with none of them is refused (there is nothing to record)."""

    benefit = forms.ChoiceField(label=_("Does the analysis benefit your company?"), required=False,
                                choices=Feedback.Benefit.choices, widget=forms.RadioSelect)
    explanation_helped = forms.ChoiceField(
        label=_("Did the explanation of how your figures are protected help you decide to submit?"),
        required=False, choices=Feedback.Explanation.choices, widget=forms.RadioSelect)
    extra_indicators = forms.CharField(
        label=_("Which other indicators would you submit?"), required=False, max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
        help_text=_("At most 500 characters."))

    def clean(self):
        data = super().clean()
        answers = [data.get("benefit"), data.get("explanation_helped"),
                   (data.get("extra_indicators") or "").strip()]
        if not any(answers):
            raise forms.ValidationError(
                _("Answer at least one question, or skip the questionnaire."), code="empty")
        return data
