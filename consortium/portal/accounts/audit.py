"""The one way to write the audit log."""

from .models import AuditEvent

# Keys that must never reach the log, whatever a caller passes.
_FORBIDDEN = {"token", "share", "shares", "value", "values", "secret", "password", "figures"}


def record(kind: str, actor=None, request=None, **detail) -> AuditEvent:
    """Log an action; `detail` holds identifiers only (ids, names, counts), never figures or secrets."""
    leaked = _FORBIDDEN & set(detail)
    if leaked:
        raise ValueError(f"audit detail may not hold {sorted(leaked)}")
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(kind=kind, actor=actor, ip=client_ip(request), detail=detail)


def client_ip(request):
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None
