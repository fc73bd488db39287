from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@login_required
def home(request):
    return render(request, "accounts/home.html")


def how_it_works(request):
    return render(request, "accounts/how_it_works.html")
