from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .home import home_context


@login_required
def home(request):
    return render(request, "accounts/home.html", home_context(request.user))
