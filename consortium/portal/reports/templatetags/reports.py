from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def publication_min_values() -> int:
    """k of the small-cohort rule, for pages that explain it."""
    return settings.PUBLICATION_MIN_VALUES
