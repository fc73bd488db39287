from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from .models import Role, User


class LoginForm(auth_forms.AuthenticationForm):
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": _("That username and password do not match. Check both and try again; "
                           "after several failed attempts the account is locked for a while."),
    }


class TokenForm(forms.Form):
    """A code from the authenticator app: 6 digits (spaces ignored)."""

    token = forms.CharField(
        label=_("Code from your authenticator app"), max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "autofocus": True, "pattern": "[0-9 ]*"}),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].replace(" ", "")
        RegexValidator(r"^[0-9]{6,8}$", _("Enter the 6 digits your app shows."))(token)
        return token


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    pass


class UserCreationForm(auth_forms.UserCreationForm):
    """Staff add a person in admin: the role decides admin access, a representative needs a company."""

    class Meta(auth_forms.UserCreationForm.Meta):
        model = User
        fields = ("username", "first_name", "last_name", "email", "role", "company")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("role") == Role.REPRESENTATIVE and not cleaned.get("company"):
            self.add_error("company", _("A member representative must belong to a company."))
        return cleaned


class UserChangeForm(auth_forms.UserChangeForm):
    class Meta(auth_forms.UserChangeForm.Meta):
        model = User
        fields = "__all__"
