from base64 import b32encode

import qrcode
import qrcode.image.svg
from axes.helpers import get_cool_off
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from consortium.contract import library
from consortium.portal import static_digests

from . import actions, forms
from .middleware import SESSION_EXPIRED_FLAG


def _next_url(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return reverse("overview:home")


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = forms.LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["session_expired"] = self.request.session.pop(SESSION_EXPIRED_FLAG, False)
        return context


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lock-out response (AXES_LOCKOUT_CALLABLE): a page that says when to try again."""
    cool_off = get_cool_off(request)
    # Every failure during the lock-out starts the cool-off again, so it ends cool_off from now.
    retry_at = timezone.now() + cool_off if cool_off else None
    minutes = round(cool_off.total_seconds() / 60) if cool_off else None
    return render(request, "accounts/locked_out.html", {"retry_at": retry_at, "minutes": minutes}, status=429)


def how_it_works(request):
    """The explanation page, with the digests of the sharing library this portal serves and its address,
    so that a member or an auditor can check the code that splits the figures."""
    digests = static_digests.sharing_library()
    url = request.build_absolute_uri(static(library.SHARING_LIBRARY)) if digests else ""
    return render(request, "accounts/how_it_works.html",
                  {"sharing_library": digests, "sharing_library_url": url})


_SETUP_KEY = "otp_setup_key"


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg = image.to_string(encoding="unicode")
    return svg[svg.index("<svg"):]  # inline: no XML declaration


@never_cache
@login_required
def otp_setup(request):
    """Enrol an authenticator app: scan the QR code (or type the secret), then confirm with a code."""
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect(_next_url(request))
    key = request.session.get(_SETUP_KEY) or random_hex(20)
    request.session[_SETUP_KEY] = key
    form = forms.TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if actions.do_enrol_totp(request, key, form.cleaned_data["token"]):
            request.session.pop(_SETUP_KEY, None)
            messages.success(request, _("Your authenticator app is set up. You will be asked for a code "
                                        "each time you log in."))
            return redirect(_next_url(request))
        form.add_error("token", _("That code does not match. Check that your phone's clock is right "
                                  "and enter the code your app shows now."))
    unsaved = TOTPDevice(user=request.user, key=key)  # only for its otpauth:// address
    secret = b32encode(bytes.fromhex(key)).decode()
    return render(request, "otp/setup.html", {
        "form": form, "qr_svg": _qr_svg(unsaved.config_url), "next": _next_url(request),
        "secret_groups": [secret[i:i + 4] for i in range(0, len(secret), 4)],
    })


@never_cache
@login_required
def otp_verify(request):
    """The second step of logging in, for a user with an authenticator app."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None or request.user.is_verified():
        return redirect(_next_url(request))
    form = forms.TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, info = device.verify_is_allowed()
        if not allowed:
            until = (info or {}).get("locked_until")
            form.add_error("token", _("Too many wrong codes. Wait until %(time)s and try again.")
                           % {"time": timezone.localtime(until).strftime("%H:%M:%S")} if until
                           else _("Too many wrong codes. Wait a minute and try again."))
        elif actions.do_verify_second_factor(request, device, form.cleaned_data["token"]):
            return redirect(_next_url(request))
        else:
            form.add_error("token", _("That code is not right. Enter the code your app shows now."))
    return render(request, "otp/verify.html", {"form": form, "next": _next_url(request)})


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    form_class = forms.PasswordChangeForm
    success_url = reverse_lazy("overview:home")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["new_account"] = self.request.user.has_first_password()
        return context

    def form_valid(self, form):
        actions.do_change_password(self.request, form.cleaned_data["new_password1"])
        messages.success(self.request, _("Your password has been changed."))
        return HttpResponseRedirect(self.get_success_url())
