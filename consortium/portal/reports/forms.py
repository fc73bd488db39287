from django import forms
from django.utils.translation import gettext_lazy as _


class NotesForm(forms.Form):
    notes = forms.CharField(label=_("Notes for the members"), required=False, max_length=5000,
                            widget=forms.Textarea(attrs={"rows": 6}),
                            help_text=_("Shown above the results once the report is published."))


class PublishForm(forms.Form):
    confirm = forms.BooleanField(label=_("I have reviewed this report and want every member to see it"))
