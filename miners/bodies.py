"""A request body's size, checked against a limit before anything reads the body."""


def declared_length(request) -> int:
    """The size the request declares (0 when absent or not a number)."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
