from django import forms


class ConfirmForm(forms.Form):
    """The confirmation step of starting or restarting an analysis: the button posts confirm=yes."""

    confirm = forms.ChoiceField(choices=[("yes", "yes")], widget=forms.HiddenInput)
