"""A test double of the three miners: docs/api.md section 4, computed for real with the MPC engine.

The test plays the members' browsers (`deposit`: additive shares of each figure and of its
*submitted* flag, one share per miner, as `static/js` does). The fake miners stand behind
`consortium.portal.minerlink.client.request_json` (install with `install(monkeypatch)`): they accept a run
(`POST /api/runs`) or refuse it as told, and `push(client, run_id)` makes them compute the
requested analyses with the miners' own code (`miners.runs.computation`, three parties in-process over
mpc_engine's local transport), then push progress and their
signed output shares to the portal's real endpoints through a Django test client.
"""

from __future__ import annotations

import base64
import json
import secrets

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from consortium import celery_app
from consortium.contract.messages import canonical_digest, outputs_message
from consortium.portal.minerlink import client as miner_client
from miners.runs import computation
from mpc_engine.ring import ring_for
from mpc_engine.runner import run_local
from mpc_engine.sharing import additive_shares

MINERS = 3


class FakeMiners:
    def __init__(self):
        self.keys = [Ed25519PrivateKey.generate() for _ in range(MINERS)]
        self.secrets = [secrets.token_urlsafe(32) for _ in range(MINERS)]
        self.stores: list[dict] = [{} for _ in range(MINERS)]  # submission id -> {"values", "submitted"}
        self.runs: list[dict] = [{} for _ in range(MINERS)]  # run id -> the request as received
        self.down: set[int] = set()  # miners that cannot be reached
        self.refusing: set[int] = set()  # miners that answer 503
        self.progress = [{"state": "running", "progress": 0.5, "step": "sorting", "error": ""}
                         for _ in range(MINERS)]  # what GET /api/runs/<id> answers
        self.polls: list[int] = []  # which miners were asked for their progress

    # --- configuration --------------------------------------------------------------------

    def settings(self) -> list[dict]:
        """The portal's MINERS setting for these three."""
        return [{"url": f"https://miner{i}.test", "secret": self.secrets[i],
                 "public_key": base64.b64encode(self.keys[i].public_key().public_bytes(
                     Encoding.Raw, PublicFormat.Raw)).decode()} for i in range(MINERS)]

    def install(self, monkeypatch, settings) -> FakeMiners:
        settings.MINERS = self.settings()
        monkeypatch.setattr(miner_client, "request_json", self.request_json)
        # The portal's calls to miners run as a Celery task; here in-process even when a broker is
        # configured (the integration run sets REDIS_URL), as no worker runs beside the tests.
        monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
        return self

    # --- the browsers -----------------------------------------------------------------------

    def deposit(self, ring_bits: int, submission_id, figures: dict) -> None:
        """Secret-share a member's figures ({code: int or None}; None = not submitted) to the three."""
        ring = ring_for(ring_bits)
        shares = [{"values": {}, "submitted": {}} for _ in range(MINERS)]
        for code, value in figures.items():
            v = additive_shares(ring, ring.encode([0 if value is None else value]))
            f = additive_shares(ring, ring.encode([0 if value is None else 1]))
            for i in range(MINERS):
                shares[i]["values"][code] = v[i][0]
                shares[i]["submitted"][code] = f[i][0]
        for i in range(MINERS):
            self.stores[i][str(submission_id)] = shares[i]

    # --- portal -> miner (behind consortium.portal.minerlink.client.request_json) -------------------------

    def request_json(self, i, method, path, body=None, *, auth=False, timeout=None):
        if i in self.down:
            raise miner_client.MinerError("connection refused")
        if not auth:
            raise miner_client.MinerError("HTTP 401")
        if i in self.refusing:
            raise miner_client.MinerError("HTTP 503")
        if method == "POST" and path == "/api/runs":
            body = json.loads(json.dumps(body))  # what travels is JSON
            known = self.runs[i].get(body["run_id"])
            if known is not None and known != body:
                raise miner_client.MinerError("HTTP 409")
            self.runs[i][body["run_id"]] = body
            return {"accepted": True}
        if method == "GET" and path.startswith("/api/runs/"):
            self.polls.append(i)
            return dict(self.progress[i])
        raise miner_client.MinerError("HTTP 404")

    # --- the computation --------------------------------------------------------------------

    def compute(self, run_id) -> list[list[dict]]:
        """Each miner's `outputs` list for the run, computed by the three parties together."""
        requests = [self.runs[i][str(run_id)] for i in range(MINERS)]
        assert all(r == requests[0] for r in requests), "the three miners got different requests"
        request = requests[0]
        ring = ring_for(request["ring"])
        args = [(request, self._inputs(i, request, ring)) for i in range(MINERS)]
        result = run_local(computation.program, args, ring=ring, timeout=60)
        return [[computation.encode_output(entry) for entry in result.outputs[i]] for i in range(MINERS)]

    def _inputs(self, i, request, ring):
        """Miner i's additive shares: {(submission id or None, code): (value share, flag share)}."""
        ids = computation.submission_ids(request)
        zero = ring.dtype.type(0)
        inputs = {}
        for sid in ids:
            stored = self.stores[i].get(sid) if sid is not None else None
            for code in computation.codes(request):
                if stored is None or code not in stored["values"]:
                    inputs[(sid, code)] = (zero, zero)
                else:
                    inputs[(sid, code)] = (stored["values"][code], stored["submitted"][code])
        return inputs

    # --- miner -> portal -----------------------------------------------------------------------

    def sign(self, i, run_id, outputs) -> dict:
        digest = canonical_digest(outputs)
        signature = self.keys[i].sign(outputs_message(i, str(run_id), digest))
        return {"miner": i, "outputs": outputs, "digest": digest,
                "signature": base64.b64encode(signature).decode()}

    def auth(self, i) -> dict:
        return {"HTTP_AUTHORIZATION": f"Miner {i} {self.secrets[i]}"}

    def post(self, client, i, run_id, what, body):
        return client.post(f"/api/miner/runs/{run_id}/{what}", body, content_type="application/json",
                           **self.auth(i))

    def push(self, client, run_id, outputs=None, tamper=None) -> list:
        """Progress, then the signed outputs of each miner; `tamper(i, outputs)` may alter one."""
        outputs = outputs or self.compute(run_id)
        answers = []
        for i in range(MINERS):
            self.post(client, i, run_id, "progress", {"state": "running", "progress": 0.5, "step": "sorting"})
            mine = tamper(i, outputs[i]) if tamper else outputs[i]
            answers.append(self.post(client, i, run_id, "outputs", self.sign(i, run_id, mine)))
            self.post(client, i, run_id, "progress", {"state": "done", "progress": 1.0, "step": "finished"})
        return answers


# --- the portal's records a run reads (periods, companies, complete submissions) -------------

# Semi-annual indicators with ranges that fit Z_2^32 (the default euro ranges need Z_2^64).
SMALL_INDICATORS = [
    dict(code="total_return", name="Total return", unit="EUR", lo=0, hi=10**6),
    dict(code="employees", name="Number of employees", lo=0, hi=10_000),
    dict(code="export_share", name="Percentage of export", unit="%", encoding="fixed", scale=1,
         lo=0, hi=1000),
    dict(code="added_value", name="Added value", unit="EUR", lo=-10**6, hi=10**6),
]


def make_period(name, ends_on, *, kind="semi_annual", state="closed", indicators=SMALL_INDICATORS):
    from consortium.portal.periods.models import CollectionPeriod, IndicatorDefinition

    period = CollectionPeriod.objects.create(name=name, kind=kind, starts_on=ends_on.replace(day=1),
                                             ends_on=ends_on, state=state)
    for position, spec in enumerate(indicators):
        IndicatorDefinition.objects.create(period=period, position=position, **spec)
    return period


def make_member(name):
    """A company and its representative."""
    from consortium.portal.accounts.models import Company, Role, User

    company = Company.objects.create(name=name, registry_code=secrets.token_hex(6))
    user = User.objects.create(username=f"rep-{company.pk}", role=Role.REPRESENTATIVE, company=company)
    return company, user


def make_staff(username="staff-fast"):
    """A staff member without a password (no Argon2 hashing: these tests only need the role)."""
    from consortium.portal.accounts.models import Role, User

    return User.objects.create(username=username, role=Role.STAFF)


def make_submission(company, user, period, *, state="complete", minutes_ago=0):
    """One attempt of `company` in `period` (complete by default, completed `minutes_ago`)."""
    from datetime import timedelta

    from django.utils import timezone

    from consortium.portal.submissions.models import AccessToken, Submission

    when = timezone.now() - timedelta(minutes=minutes_ago)
    token = AccessToken.objects.create(token_hash=secrets.token_hex(32), user=user, company=company,
                                       period=period, expires_at=when + timedelta(hours=2))
    return Submission.objects.create(token=token, user=user, company=company, period=period, state=state,
                                     completed_at=when if state == "complete" else None)


# A run small enough for the miner-API tests: three members, one with a figure out of range
# (12 > 9), one without an optional figure.
TINY_INDICATORS = [dict(code="employees", name="Employees", lo=0, hi=9),
                   dict(code="export_share", name="Export", lo=0, hi=1000)]
TINY_FIGURES = [{"employees": 3, "export_share": 250}, {"employees": 7, "export_share": None},
                {"employees": 12, "export_share": 999}]


def start_tiny_run(fake):
    """A closed period of TINY_INDICATORS, the members' shares of TINY_FIGURES deposited with the fake
    miners, and its run started (the miners have accepted it)."""
    import datetime as dt

    from consortium.portal.runs.tasks import start_run

    period = make_period("2026 H1", dt.date(2026, 6, 30), indicators=TINY_INDICATORS)
    for k, figures in enumerate(TINY_FIGURES):
        submission = make_submission(*make_member(f"Member {k}"), period)
        fake.deposit(32, submission.submission_id, figures)
    return start_run(period, make_staff())
