"""Storing a member's shares and signing the receipt (docs/api.md section 2). Each write is one transaction;
the portal is asked before it, never from inside it.

The queries of every submission (the look-up before the portal is asked, made for the submissions that
wait at one moment together: token_checks; the two INSERTs of `do_store`) are written in SQL over the
store's models: through the ORM they cost a third of the miner's CPU per
submission, most of it building the same SQL again each time (docs/performance.md, "Share intake"). Table
and column names come from the models, values go through each field's own conversion for the database.
"""

from __future__ import annotations

import hmac
import uuid
from contextlib import nullcontext
from dataclasses import dataclass

from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone

from consortium.contract import keys
from consortium.contract.messages import receipt_message, shares_digest
from consortium.contract.tokens import hash_token
from miners.store.models import PeriodPurge, Share, Submission, share_bytes


class TokenUsed(Exception):
    """The token was used for another body, or the submission id is already stored."""


@dataclass(frozen=True)
class Shares:
    period: int
    form: str
    values: dict[str, int]
    submitted: dict[str, int]

    @property
    def digest(self) -> str:
        """The canonical JSON of the shares as decimal strings, exactly as the browser sent them."""
        return shares_digest({c: str(v) for c, v in self.values.items()},
                             {c: str(v) for c, v in self.submitted.items()})


def receipt(index: int, submission: Submission) -> dict:
    return {"miner": index, "period": submission.period, "submission_id": str(submission.submission_id),
            "digest": submission.digest, "signature": submission.signature}


@dataclass(frozen=True)
class Found:
    purged: bool  # the period's shares were deleted (retention): it takes no more
    retry: Submission | None  # what this token stored, when `shares` are the same body again


def look_up(token: str, shares: Shares) -> Found:
    """What the store knows of this submission before the portal is asked (look_up_many, for one)."""
    found = look_up_many([(token, shares)])[0]
    if isinstance(found, TokenUsed):
        raise found
    return found


def look_up_many(submissions: list[tuple[str, Shares]]) -> list[Found | TokenUsed]:
    """For each (token, shares), in two queries for all: whether its period was purged, else the submission
    its token stored when `shares` are the same body again (the browser's retry after a lost answer), or
    TokenUsed when the token stored another body."""
    connection = connections[router.db_for_read(Submission)]
    sql, hashes = _sql(connection), [hash_token(token) for token, _shares in submissions]
    periods = sorted({shares.period for _token, shares in submissions})
    with connection.cursor() as cursor:
        cursor.execute(sql.purged % ", ".join(["%s"] * len(periods)), periods)
        purged = {row[0] for row in cursor.fetchall()}
        cursor.execute(sql.stored % ", ".join(["%s"] * len(hashes)), hashes)
        stored = {row[0]: row[1:] for row in cursor.fetchall()}
    return [_found(shares, shares.period in purged, stored.get(token_hash))
            for (_token, shares), token_hash in zip(submissions, hashes, strict=True)]


def _found(shares: Shares, purged: bool, stored: tuple | None) -> Found | TokenUsed:
    if purged or stored is None:
        return Found(purged, None)
    period, form, digest, submission_id, signature = stored
    same_body = hmac.compare_digest(str(digest).encode(), str(shares.digest).encode())
    if (period, str(_uuid(form))) != (shares.period, shares.form) or not same_body:
        return TokenUsed("this access token was already used for other shares")
    return Found(False, Submission(period=period, submission_id=_uuid(submission_id), digest=digest,
                                   signature=signature))


def release_connection() -> None:
    """Give the store's connection back to the pool (PostgreSQL) before the portal is asked: under load
    every pooled connection would otherwise be held by a request waiting for the portal, and the next
    requests would wait for one (DATABASE_POOL_TIMEOUT_SECONDS). Without a pool (a connection is not
    reopened cheaply) or inside a transaction: nothing."""
    connection = connections[router.db_for_write(Submission)]
    if getattr(connection, "pool", None) is not None and not connection.in_atomic_block:
        connection.close()


def stored_retry(token: str, shares: Shares) -> Submission | None:
    """The submission stored with this token when `shares` is the same body again (the browser's retry
    after a lost answer); None when the token stored nothing here; TokenUsed when it stored another body."""
    return look_up(token, shares).retry


def do_store(index: int, signing_key, token: str, shares: Shares, submission_id: str,
             ring_bits: int) -> Submission:
    """Store every share under `submission_id` with the signed receipt, all or nothing."""
    digest = shares.digest
    signature = keys.sign(signing_key, receipt_message(index, shares.period, submission_id, digest))
    submission = Submission(submission_id=uuid.UUID(submission_id), period=shares.period, form=shares.form,
                            ring_bits=ring_bits, token_hash=hash_token(token), digest=digest,
                            signature=signature, created_at=timezone.now())
    rows = [(code, share_bytes(value), share_bytes(shares.submitted[code]))
            for code, value in sorted(shares.values.items())]
    connection = connections[router.db_for_write(Submission)]
    values = [field.get_db_prep_save(getattr(submission, field.attname), connection)
              for field in _SUBMISSION_FIELDS]
    try:
        submission.pk = _insert(connection, values, rows)
    except IntegrityError:
        # Two requests with the same token can both pass the retry check before either stores; the unique
        # token hash and submission id let only the first one in.
        raise TokenUsed("shares are already stored for this submission") from None
    submission._state.adding = False  # as if read from the store: it is never saved again
    return submission


_SUBMISSION_FIELDS = [f for f in Submission._meta.concrete_fields if not f.primary_key]


def _insert(connection, submission: list, rows: list[tuple[str, bytes, bytes]]) -> int:
    """Insert the submission (its columns' values, converted) and its share rows (code, value, flag: str,
    bytes and int need no conversion), all or nothing; the submission's primary key."""
    sql = _sql(connection)
    if connection.vendor == "postgresql":
        # One statement, atomic on its own: three round trips fewer than BEGIN, INSERT, INSERT, COMMIT.
        # Within a caller's transaction, a savepoint keeps a refused insert from breaking it.
        with transaction.atomic(using=connection.alias) if connection.in_atomic_block else nullcontext():
            placeholders = ", ".join(["(%s, %s, %s)"] * len(rows))
            return _first_row(connection, sql.insert_both + placeholders + sql.insert_both_end,
                              [*submission, *(value for row in rows for value in row)])[0]
    with connection.cursor() as cursor:
        with transaction.atomic(using=connection.alias):
            cursor.execute(sql.insert_submission, submission)
            pk = cursor.fetchone()[0]
            cursor.execute(sql.insert_shares + ", ".join(["(%s, %s, %s, %s)"] * len(rows)),
                           [value for row in rows for value in (pk, *row)])
            return pk


def _first_row(connection, sql: str, params: list) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


@dataclass(frozen=True)
class _Statements:
    purged: str  # %s: the periods' placeholders
    stored: str  # %s: the token hashes' placeholders
    insert_submission: str
    insert_shares: str  # followed by the rows' placeholders
    insert_both: str  # PostgreSQL: followed by the rows' placeholders and insert_both_end
    insert_both_end: str


_STATEMENTS: dict[str, _Statements] = {}  # by database vendor


def _sql(connection) -> _Statements:
    found = _STATEMENTS.get(connection.vendor)
    if found is None:
        found = _STATEMENTS[connection.vendor] = _statements(connection.ops.quote_name)
    return found


def _statements(q) -> _Statements:
    """The statements, with the models' table and column names quoted by `q` for the database; values are
    always parameters (hence the noqa: no value is ever formatted into them)."""
    purge, submission, share = (q(m._meta.db_table) for m in (PeriodPurge, Submission, Share))

    def columns(model, *names):
        return ", ".join(q(model._meta.get_field(name).column) for name in names)

    stored = columns(Submission, "token_hash", "period", "form", "digest", "submission_id", "signature")
    inserted = columns(Submission, *(f.name for f in _SUBMISSION_FIELDS))
    token_hash, period = columns(Submission, "token_hash"), columns(PeriodPurge, "period")
    share_columns = columns(Share, "submission", "code", "value", "flag")
    submission_values = f"({inserted}) VALUES ({', '.join(['%s'] * len(_SUBMISSION_FIELDS))})"
    return _Statements(
        purged=f"SELECT {period} FROM {purge} WHERE {period} IN (%s)",  # noqa: S608
        stored=f"SELECT {stored} FROM {submission} WHERE {token_hash} IN (%s)",  # noqa: S608
        insert_submission=f"INSERT INTO {submission} {submission_values} RETURNING {q('id')}",  # noqa: S608
        insert_shares=f"INSERT INTO {share} ({share_columns}) VALUES ",  # noqa: S608
        insert_both=f"WITH s AS (INSERT INTO {submission} {submission_values} RETURNING {q('id')}) "  # noqa: S608
                    f"INSERT INTO {share} ({share_columns}) SELECT s.{q('id')}, v.code, v.value, v.flag "
                    f"FROM s CROSS JOIN (VALUES ",
        insert_both_end=f") AS v (code, value, flag) RETURNING {columns(Share, 'submission')}")


def _uuid(raw) -> uuid.UUID:
    """A UUID column's value as the database returns it (a UUID, or 32 hex digits on SQLite)."""
    return raw if isinstance(raw, uuid.UUID) else uuid.UUID(raw)
