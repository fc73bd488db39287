"""Role checks for views: `@representative_required`, `@staff_required`, `@board_required`.

Anonymous users are sent to the login page; a logged-in user of another role gets the 403 page.
The second-factor gate (AccessGateMiddleware) runs before any view; the decorators check it again
so that a view stays closed even in a project that forgot the middleware.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from rest_framework.permissions import BasePermission

from .middleware import pending_step
from .models import Role


def forbidden(request, message=None):
    return render(request, "accounts/forbidden.html", {"message": message}, status=403)


def role_required(*roles):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            step = pending_step(request)
            if step is not None:
                return redirect(step)
            if request.user.role not in roles:
                return forbidden(request)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


representative_required = role_required(Role.REPRESENTATIVE)
staff_required = role_required(Role.STAFF)
board_required = role_required(Role.BOARD)


class IsRepresentative(BasePermission):
    """For DRF views that serve a member's representative (not the miners' endpoints)."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return user.role == Role.REPRESENTATIVE and pending_step(request) is None
