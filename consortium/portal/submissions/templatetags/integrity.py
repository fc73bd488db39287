"""`{% sri "js/sharing.js" %}`: the Subresource Integrity value of a static file as the portal serves it, for
a `<script integrity="...">`: a browser then runs the file only if its bytes are those this portal hashed."""

from django import template

from consortium.portal import static_digests

register = template.Library()


@register.simple_tag
def sri(name: str) -> str:
    """"sha384-..." of the served file; "" when the portal serves no such file (the script fails to load
    anyway, and the form page says so for the sharing library)."""
    found = static_digests.digests(name)
    return found.sri if found else ""
