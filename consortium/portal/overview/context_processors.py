"""What every portal page may show about the consortium itself."""

from django.conf import settings


def consortium(request) -> dict:
    return {"consortium_contact_email": settings.CONSORTIUM_CONTACT_EMAIL}
