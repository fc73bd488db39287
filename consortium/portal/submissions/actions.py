"""Every write of the submissions app: issue a token, verify it for a miner, accept receipts, feedback.

Each `do_*` is one transaction. Nothing here logs or audits a token, a share or a figure.
"""

import hmac
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connections, router, transaction
from django.utils import timezone

from consortium.contract import MINERS, messages, tokens
from consortium.portal import metrics
from consortium.portal.accounts import audit
from consortium.portal.accounts.models import AuditEvent
from consortium.portal.minerlink import keys
from consortium.portal.periods.models import CollectionPeriod, IndicatorDefinition, ring_bits_for

from . import failures
from .models import AccessToken, Feedback, Receipt, Submission


class PeriodNotOpen(Exception):
    """The period does not accept submissions (draft or closed)."""


class TooManyTokens(Exception):
    """ACCESS_TOKENS_PER_USER_PER_HOUR reached; `retry_at` is when the oldest of them leaves the hour."""

    def __init__(self, retry_at: datetime):
        super().__init__("token limit reached")
        self.retry_at = retry_at


# --- Issue ------------------------------------------------------------------------------


def do_issue_token(user, period: CollectionPeriod, request=None) -> tuple[str, AccessToken, Submission]:
    """A fresh token, form instance and submission id for `user`'s company in an open period.

    The plaintext token is returned once, for the form page; only its hash is stored. Raises
    TooManyTokens past ACCESS_TOKENS_PER_USER_PER_HOUR.
    """
    company = getattr(user, "company", None)
    if not user.is_representative or company is None or not company.active:
        raise PermissionDenied
    if not period.is_open:
        raise PeriodNotOpen
    token = tokens.new_token()
    with transaction.atomic():
        # Lock the user's row. The race: a reload loop or a script opens many forms at once; each
        # would count the same tokens of the last hour and all would pass the limit together.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        _check_token_rate(user)
        access = AccessToken.objects.create(
            token_hash=tokens.hash_token(token),
            user=user,
            company=company,
            period=period,
            expires_at=timezone.now() + timedelta(seconds=settings.ACCESS_TOKEN_TTL_SECONDS),
        )
        submission = Submission.objects.create(token=access, user=user, company=company, period=period)
        audit.record(AuditEvent.Kind.TOKEN_ISSUED, user, request, period=period.pk,
                     company=company.pk, form=str(access.form_id))
    return token, access, submission


def _check_token_rate(user) -> None:
    hour_ago = timezone.now() - timedelta(hours=1)
    recent = AccessToken.objects.filter(user=user, created_at__gt=hour_ago).order_by("-created_at")
    limit = settings.ACCESS_TOKENS_PER_USER_PER_HOUR
    times = list(recent.values_list("created_at", flat=True)[:limit])
    if len(times) >= limit:
        raise TooManyTokens(retry_at=times[-1] + timedelta(hours=1))


# --- Verify (miner -> portal) -----------------------------------------------------------


@dataclass(frozen=True)
class VerifyResult:
    valid: bool
    reason: str = ""
    submission_id: str = ""
    period: int | None = None
    fields: list[str] = field(default_factory=list)
    ring: int | None = None  # bits of the period's ring: the miner checks each share is below 2^ring


def do_verify_token(miner: int, token: str, period_id: int, form_id, request=None) -> VerifyResult:
    """Is `token` valid for this form and period and unused by `miner`? If so, miner has now used it."""
    return do_verify_tokens(miner, [(token, period_id, form_id)])[0]


class _LostRace(Exception):
    """A claimed token was claimed by another transaction meanwhile (only where row locks are no-ops)."""


def do_verify_tokens(miner: int, checks: list[tuple[str, int, object]]) -> list[VerifyResult]:
    """do_verify_token for each (token, period, form) of a miner's batch, in order, in one transaction:
    the same answer each would get alone, the batch's earlier checks counting as done (a token twice in a
    batch is valid once, then "used").

    Three statements per batch (the tokens, the indicators of each period, the claim), written in SQL over
    the models: every share submission is checked here, and through the ORM building them cost a quarter
    of the portal's CPU per submission (docs/performance.md, "Share intake"). Looked up by SHA-256: the
    database compares hashes, so the time taken says nothing about how close a guess came to a real token.
    """
    try:
        return _verify_batch(miner, checks)
    except _LostRace:
        return [_verify_batch(miner, [check])[0] for check in checks]


@dataclass(frozen=True)
class _Token:
    """What a token check reads of a token, its period and its submission."""

    pk: int
    token_hash: str
    period_id: int
    form_id: str
    period_open: bool
    expired: bool
    used: bool  # by the calling miner
    consumed: bool
    pending: bool  # its submission (the attempt) is still in progress
    submission_id: str


def _verify_batch(miner: int, checks: list[tuple[str, int, object]]) -> list[VerifyResult]:
    hashes = [tokens.hash_token(token) for token, _period, _form in checks]
    connection = connections[router.db_for_write(AccessToken)]
    sql = _statements(connection, miner)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # Lock the token rows. The race: the browser's request and a replay of it (or a retry after a
        # time-out) reach the same miner together; both would read "unused by miner i" and the miner would
        # store two share sets under one submission id. The lock makes the second wait and then read
        # "used"; rows are locked in primary-key order, so two batches never wait for each other in a
        # cycle. The conditional UPDATE below decides on its own too, for databases without row locks.
        # Only the token rows are locked: PostgreSQL refuses FOR UPDATE on the outer join.
        unique = sorted(set(hashes))
        now = AccessToken._meta.get_field("expires_at").get_db_prep_value(timezone.now(), connection)
        cursor.execute(sql.tokens % ", ".join(["%s"] * len(unique)),
                       [CollectionPeriod.State.OPEN, now, Submission.State.PENDING, *unique])
        found = {row.token_hash: row for row in map(_token_row, cursor.fetchall())}
        results, claimed, fields = [], [], {}
        for (_token, period_id, form_id), token_hash in zip(checks, hashes, strict=True):
            access = found.get(token_hash)
            if access is None or not hmac.compare_digest(access.token_hash, token_hash):
                results.append(VerifyResult(False, "unknown"))
                continue
            reason = _refusal(access, period_id, form_id) or ("used" if access.pk in claimed else "")
            if reason:
                results.append(VerifyResult(False, reason))
                continue
            claimed.append(access.pk)
            if access.period_id not in fields:
                cursor.execute(sql.indicators, [access.period_id])
                indicators = cursor.fetchall()
                fields[access.period_id] = ([code for code, _lo, _hi in indicators],
                                            ring_bits_for((lo, hi) for _code, lo, hi in indicators))
            codes, ring = fields[access.period_id]
            results.append(VerifyResult(True, submission_id=access.submission_id, period=access.period_id,
                                        fields=codes, ring=ring))
        if claimed:
            cursor.execute(sql.claim % ", ".join(["%s"] * len(claimed)), [True, *claimed, False])
            if cursor.rowcount != len(claimed):
                if len(checks) > 1:
                    raise _LostRace  # rolls the batch back; each check is then decided alone
                return [VerifyResult(False, "used")]
    return results


def _token_row(row) -> _Token:
    pk, token_hash, period_id, form_id, period_open, expired, used, consumed, pending, submission_id = row
    submission = str(_uuid(submission_id)) if submission_id else ""
    return _Token(pk, token_hash, period_id, str(_uuid(form_id)), bool(period_open), bool(expired),
                  bool(used), bool(consumed), bool(pending), submission)


def _uuid(raw) -> uuid.UUID:
    """A UUID column's value as the database returns it (a UUID, or 32 hex digits on SQLite)."""
    return raw if isinstance(raw, uuid.UUID) else uuid.UUID(raw)


def _refusal(access: _Token, period_id: int, form_id) -> str:
    if access.period_id != period_id:
        return "wrong_period"
    if access.form_id != str(form_id):
        return "wrong_form"
    if not access.period_open:
        return "period_closed"
    if access.expired:
        return "expired"
    # A finished attempt (complete or failed) takes no more shares, from any miner.
    if access.used or access.consumed or not access.pending:
        return "used"
    return ""


@dataclass(frozen=True)
class _Statements:
    tokens: str  # %s: the hashes' placeholders
    indicators: str
    claim: str  # %s: the primary keys' placeholders


_STATEMENTS: dict[tuple[str, int], _Statements] = {}  # by database vendor and miner


def _statements(connection, miner: int) -> _Statements:
    key = (connection.vendor, miner)
    if key not in _STATEMENTS:
        _STATEMENTS[key] = _build_statements(connection, miner)
    return _STATEMENTS[key]


def _build_statements(connection, miner: int) -> _Statements:
    """The token check's statements, the models' table and column names quoted for the database; values
    are always parameters (hence the noqa: no value is formatted into them)."""
    q = connection.ops.quote_name

    def col(alias, model, name):
        return f"{alias}.{q(model._meta.get_field(name).column)}"

    used = col("t", AccessToken, f"used_by_miner_{miner}")
    token, period, submission = (q(m._meta.db_table) for m in (AccessToken, CollectionPeriod, Submission))
    lock = " FOR UPDATE OF t" if connection.features.has_select_for_update_of else ""
    columns = ", ".join([
        col("t", AccessToken, "id"), col("t", AccessToken, "token_hash"), col("t", AccessToken, "period"),
        col("t", AccessToken, "form_id"), f"{col('p', CollectionPeriod, 'state')} = %%s",
        f"{col('t', AccessToken, 'expires_at')} <= %%s", used,
        f"{col('t', AccessToken, 'consumed_at')} IS NOT NULL", f"{col('s', Submission, 'state')} = %%s",
        col("s", Submission, "submission_id")])
    indicator = IndicatorDefinition._meta
    of_period = q(indicator.get_field("period").column)
    return _Statements(
        tokens=f"SELECT {columns} FROM {token} t "  # noqa: S608
               f"JOIN {period} p ON {col('p', CollectionPeriod, 'id')} = {col('t', AccessToken, 'period')} "
               f"LEFT JOIN {submission} s ON {col('s', Submission, 'token')} = {col('t', AccessToken, 'id')} "
               f"WHERE {col('t', AccessToken, 'token_hash')} IN (%s) ORDER BY {col('t', AccessToken, 'id')}"
               + lock,
        indicators=f"SELECT {q('code')}, {q('lo')}, {q('hi')} FROM {q(indicator.db_table)} "  # noqa: S608
                   f"WHERE {of_period} = %s ORDER BY {q('position')}, {q('id')}",
        claim=f"UPDATE {token} SET {q(f'used_by_miner_{miner}')} = %%s "  # noqa: S608
              f"WHERE {q('id')} IN (%s) AND {q(f'used_by_miner_{miner}')} = %%s")


# --- Receipts (browser -> portal) -------------------------------------------------------


@dataclass(frozen=True)
class ReceiptsResult:
    complete: bool
    submitted_at: datetime | None = None
    reason: str = ""  # failure codes (failures.py)


def check_receipts(submission: Submission, receipts: list[dict | None]) -> str:
    """The failure codes for these receipts against `submission`, or "" when all three are good.

    `receipts` are validated shapes (serializers.ReceiptSerializer), None for one that was not.
    """
    if any(r is None for r in receipts):
        return failures.MALFORMED
    problems = []
    for miner in range(MINERS):
        mine = [r for r in receipts if r["miner"] == miner]
        if not mine:
            problems.append(failures.code(failures.MISSING, miner))
        elif len(mine) > 1:
            problems.append(failures.code(failures.DUPLICATE, miner))
        else:
            problem = _receipt_problem(submission, mine[0])
            if problem:
                problems.append(failures.code(problem, miner))
    return ",".join(problems)


def _receipt_problem(submission: Submission, receipt: dict) -> str:
    if str(receipt["submission_id"]) != str(submission.submission_id):
        return failures.WRONG_SUBMISSION
    if receipt["period"] != submission.period_id:
        return failures.WRONG_PERIOD
    if keys.miner_public_key(receipt["miner"]) is None:
        return failures.NO_KEY
    message = messages.receipt_message(receipt["miner"], receipt["period"], str(receipt["submission_id"]),
                                       receipt["digest"])
    if not keys.miner_signed(receipt["miner"], message, receipt["signature"]):
        return failures.BAD_SIGNATURE
    return ""


def do_accept_receipts(user, form_id, receipts: list[dict | None], request=None) -> ReceiptsResult:
    """Complete the submission of form `form_id` when all three miners' receipts verify; else fail it.

    Raises Submission.DoesNotExist when the form is not this user's.
    """
    submission = Submission.objects.select_related("token").get(token__form_id=form_id, user=user)
    # Signatures are checked before the transaction: the fields they cover never change.
    reason = check_receipts(submission, receipts)
    with transaction.atomic():
        # The race: the browser posts twice (a double click, a retry) while the first is being
        # handled; without the lock both could see "pending" and write receipts twice, or one
        # could fail an attempt the other has just completed.
        submission = Submission.objects.select_for_update().select_related("period", "token").get(
            pk=submission.pk)
        if submission.state == Submission.State.COMPLETE:
            return ReceiptsResult(True, submission.completed_at)
        if submission.state == Submission.State.FAILED:
            return ReceiptsResult(False, reason=failures.ALREADY_FAILED)
        if not reason and not submission.period.is_open:
            reason = failures.PERIOD_CLOSED
        if reason:
            return _fail(submission, reason, request)
        return _complete(submission, receipts, request)


def _complete(submission: Submission, receipts: list[dict], request) -> ReceiptsResult:
    now = timezone.now()
    Receipt.objects.bulk_create([
        Receipt(submission=submission, miner=r["miner"], digest=r["digest"], signature=r["signature"],
                verified=True)
        for r in sorted(receipts, key=lambda r: r["miner"])
    ])
    submission.state = Submission.State.COMPLETE
    submission.completed_at = now
    submission.failure_reason = ""
    submission.save(update_fields=["state", "completed_at", "failure_reason"])
    submission.token.consumed_at = now
    submission.token.save(update_fields=["consumed_at"])
    audit.record(AuditEvent.Kind.SUBMISSION_COMPLETE, submission.user, request,
                 period=submission.period_id, company=submission.company_id,
                 submission=str(submission.submission_id))
    transaction.on_commit(metrics.submission_complete)
    return ReceiptsResult(True, now)


def _fail(submission: Submission, reason: str, request) -> ReceiptsResult:
    reason = reason[: Submission._meta.get_field("failure_reason").max_length]
    submission.state = Submission.State.FAILED
    submission.failure_reason = reason
    submission.save(update_fields=["state", "failure_reason"])
    audit.record(AuditEvent.Kind.SUBMISSION_FAILED, submission.user, request,
                 period=submission.period_id, company=submission.company_id,
                 submission=str(submission.submission_id), reason=reason)
    transaction.on_commit(lambda: metrics.submission_failed(reason))
    return ReceiptsResult(False, reason=reason)


# --- Feedback ---------------------------------------------------------------------------


class FeedbackNotAllowed(Exception):
    """Only a complete submission takes feedback, once."""


def do_record_feedback(submission: Submission, *, benefit: str, explanation_helped: str,
                       extra_indicators: str) -> Feedback:
    with transaction.atomic():
        # The race: two tabs send the questionnaire at once; the lock (and the one-to-one
        # constraint behind it) keeps one answer per submission.
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        if submission.state != Submission.State.COMPLETE or Feedback.objects.filter(
                submission=submission).exists():
            raise FeedbackNotAllowed
        return Feedback.objects.create(submission=submission, benefit=benefit,
                                       explanation_helped=explanation_helped,
                                       extra_indicators=extra_indicators.strip())
