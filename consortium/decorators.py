"""Gate a view to one deployment mode; in the other mode it does not exist (404)."""

from functools import wraps

from django.conf import settings
from django.http import Http404


def _only(mode):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if settings.DEPLOYMENT_MODE != mode:
                raise Http404()
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


portal_only = _only("portal")
miner_only = _only("miner")
