"""What happened to a miner's key, for the audit log: minerlink is below the accounts app (it imports
nothing of it), so it says so with a signal that accounts/signals.py records."""

from django.dispatch import Signal

# sent with kind ("miner_registered", "miner_approved", "key_rotated", "key_rotation_refused"),
# actor (a user or None), request (or None) and detail (identifiers and fingerprints only)
key_event = Signal()


def announce(kind: str, actor=None, request=None, **detail) -> None:
    key_event.send(sender=None, kind=kind, actor=actor, request=request, detail=detail)
