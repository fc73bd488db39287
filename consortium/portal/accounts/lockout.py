"""The name django-axes counts failed log-ins under (settings.AXES_USERNAME_CALLABLE).

Axes stores it in its attempts table, which staff read in admin. A typed name that is no one's
username may be a password typed into the wrong field, so it is stored as UNKNOWN instead: the
failures of unknown names from one address are counted together, a real username's on its own.
"""

from axes.conf import settings  # with the axes defaults filled in

from .models import User

UNKNOWN = "<unknown>"


def axes_username(request, credentials=None) -> str:
    field = settings.AXES_USERNAME_FORM_FIELD
    typed = (credentials or {}).get(field)
    if typed is None and request is not None:
        typed = getattr(request, "data", request.POST).get(field)
    typed = str(typed or "")[:150]
    return typed if User.objects.filter(**{User.USERNAME_FIELD: typed}).exists() else UNKNOWN
