from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Feedback


class FeedbackForm(forms.Form):
    benefit = forms.ChoiceField(label=_("Does the analysis benefit your company?"),
                                choices=Feedback.Benefit.choices, widget=forms.RadioSelect)
    explanation_helped = forms.ChoiceField(
        label=_("Did the explanation of how your figures are protected help you decide to submit?"),
        choices=Feedback.Explanation.choices, widget=forms.RadioSelect)
    extra_indicators = forms.CharField(
        label=_("Which other indicators would you submit?"), required=False, max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
        help_text=_("Optional; at most 500 characters."))
