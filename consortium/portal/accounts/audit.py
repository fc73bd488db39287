"""The one way to write the audit log, and to read an event's details as people do."""

from django.utils.translation import gettext_lazy as _

from .models import AuditEvent

# The details' keys as staff read them; a key not listed here is shown with spaces for underscores.
LABELS = {
    "user": _("person"), "user_id": _("person's id"), "company": _("company"), "period": _("period"),
    "report": _("report"), "run": _("analysis run"), "submission": _("submission"), "form": _("form"),
    "state": _("state"), "stage": _("step"), "reason": _("reason"), "name": _("name"),
    "devices": _("devices removed"), "changes": _("changes"), "role": _("role"),
    "is_active": _("active"), "is_superuser": _("superuser"), "superseded_by": _("superseded by report"),
    "username_exists": _("the username exists"), "locked_out": _("locked out"),
    "miner": _("miner"), "submissions": _("submissions deleted"), "deleted_at": _("deleted at"),
    "signature": _("signature"), "fingerprint": _("key fingerprint"),
    "previous_until": _("old key accepted until"),
}
# The few words the portal itself stores as values (a login's step).
VALUES = {"password": _("password"), "second factor": _("second factor")}

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


def _label(key: str) -> str:
    return str(LABELS.get(key, key.replace("_", " ")))


def _value(value) -> str:
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if value is None:
        return "—"
    if isinstance(value, list):
        return " → ".join(_value(v) for v in value) if len(value) == 2 else ", ".join(map(_value, value))
    if isinstance(value, dict):
        return "; ".join(f"{_label(k)}: {_value(v)}" for k, v in value.items())
    return str(VALUES.get(value, value)) if isinstance(value, str) else str(value)


def readable(detail: dict) -> list[tuple[str, str]]:
    """An event's details as (label, value) lines: "person: anna", "changes: role: board → staff", in
    LABELS' order (then any other key alphabetically): PostgreSQL's jsonb keeps no key order."""
    order = {key: n for n, key in enumerate(LABELS)}
    keys = sorted(detail or {}, key=lambda key: (order.get(key, len(order)), key))
    return [(_label(key), _value(detail[key])) for key in keys]
