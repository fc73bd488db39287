from django import forms


class ConfirmForm(forms.Form):
    """The confirmation step of deleting a period's shares: the button posts confirm=yes."""

    confirm = forms.ChoiceField(choices=[("yes", "yes")], widget=forms.HiddenInput)
