"""What the intake tests share: a period's fields, a member's shares, the POST, the store's contents."""

import json
import secrets

from miners.store.models import Run, Share, Submission

PERIOD = 7
FIELDS = ["total_return", "employees", "export_share", "added_value"]


def random_shares(ring=32, fields=FIELDS) -> tuple[dict, dict]:
    """(values, submitted): one random share per field, as decimal strings (what a browser sends)."""
    return ({c: str(secrets.randbelow(2**ring)) for c in fields},
            {c: str(secrets.randbelow(2**ring)) for c in fields})


def body_for(token, form, period=PERIOD, ring=32, **change) -> dict:
    values, submitted = random_shares(ring)
    return {"token": token, "period": period, "form": form, "values": values, "submitted": submitted,
            **change}


def post(client, body, **extra):
    raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post("/api/shares", raw, content_type="application/json", **extra)


def store_contents() -> list:
    """Everything the miner stores, to show that a refused request changed nothing."""
    return [sorted(Submission.objects.values_list("submission_id", "digest")),
            sorted((s, c, bytes(v), bytes(f)) for s, c, v, f in
                   Share.objects.values_list("submission__submission_id", "code", "value", "flag")),
            list(Run.objects.values_list("run_id", "state"))]
