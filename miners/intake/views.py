"""`POST /api/shares` (docs/api.md section 2). Every failure is a 4xx (or 503 when the portal cannot
answer) with a JSON `detail` that names what is wrong, never a token or a share; nothing is stored then."""

import json
import logging
import time

from django.conf import settings
from django.db import DatabaseError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import APIView

from miners import metrics
from miners.bodies import declared_length
from miners.identity.keys import NoIdentity, signing_key
from miners.portal import Portal, PortalRefused, PortalUnavailable
from miners.retention import actions as retention

from . import actions
from .serializers import ErrorResponse, ReceiptResponse, SharesRequest, verified_answer
from .token_checks import Outcome, StoreUnavailable, token_checks

log = logging.getLogger(__name__)

# How long a token the portal calls "used", with nothing stored here, waits for a concurrent request with
# it to store (that one had the portal's "valid" a moment before and stores in milliseconds).
IN_FLIGHT_SECONDS = 2.0

# What the member's page can say for each of the portal's refusals (docs/api.md section 1).
REFUSALS = {
    "unknown": "The access token is not known: open the form again.",
    "expired": "The form has expired: open it again.",
    "used": "This access token has already been used: open the form again.",
    "wrong_period": "The access token is for another period.",
    "wrong_form": "The access token is for another form.",
    "period_closed": "The period is closed.",
}


def _error(code: int, detail: str, **extra) -> Response:
    return Response({"detail": detail, **extra}, status=code)


class _RawBody(BaseParser):
    """The body is parsed in the view, after its size was checked (the default JSON parser would read any
    size and answer a parse error in its own words)."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        return None


class SharesView(APIView):
    authentication_classes = []  # the access token in the body is checked with the portal
    permission_classes = []
    parser_classes = [_RawBody]

    @extend_schema(
        operation_id="miner_shares",
        summary="A member's browser posts this miner's share of every field; answered with a signed receipt.",
        request=SharesRequest,
        responses={201: ReceiptResponse, 400: ErrorResponse, 403: ErrorResponse, 409: ErrorResponse,
                   410: ErrorResponse, 413: ErrorResponse, 415: ErrorResponse, 503: ErrorResponse,
                   502: OpenApiResponse(ErrorResponse,
                                        description="the portal answered outside its contract")},
        tags=["browser -> miner"],
    )
    @metrics.count_intake
    def post(self, request):
        body, problem = _read_json(request)
        if problem:
            return problem
        parsed = SharesRequest(data=body)
        if not parsed.is_valid():
            return _error(400, "The request is not a valid share submission.", errors=parsed.errors)
        data = parsed.validated_data
        shares = actions.Shares(data["period"], data["form"], data["values"], data["submitted"])
        try:
            key = signing_key()
        except NoIdentity:
            log.error("share intake refused: this miner has no identity key")
            return _error(503, "This miner is not configured to sign receipts.")
        outcome = _checked(data["token"], shares)
        if isinstance(outcome, Response):
            return outcome
        if outcome.found is not None:
            if outcome.found.purged:
                return _error(410, retention.refusal([shares.period]))
            return Response(actions.receipt(settings.MINER_INDEX, outcome.found.retry), status=201)
        return _store(key, data["token"], shares, outcome.answer)


def _read_json(request):
    """(the decoded body, None) or (None, the 4xx answer)."""
    if request.content_type != "application/json":
        # Also keeps other sites from posting as a "simple" cross-origin request (text/plain, no preflight).
        return None, _error(415, "The request body must be JSON (Content-Type: application/json).")
    limit = settings.MINER_SHARES_MAX_BODY_BYTES
    if declared_length(request) > limit:
        return None, _error(413, f"The request body is larger than {limit} bytes.")
    raw = request.body
    if len(raw) > limit:
        return None, _error(413, f"The request body is larger than {limit} bytes.")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than Python's parser goes
        return None, _error(400, "The request body is not valid JSON.")
    if not isinstance(body, dict):
        return None, _error(400, "The request body is not a JSON object.")
    return body, None


def _checked(token: str, shares: actions.Shares) -> Outcome | Response:
    """What the store, then the portal, say of this submission, or the 4xx or 503 answer."""
    try:
        return token_checks.check(Portal.from_settings(), token, shares)
    except actions.TokenUsed as exc:
        return _error(409, f"{str(exc).capitalize()}: open the form again.", reason="used")
    except StoreUnavailable:
        return _error(503, "This miner's store could not be read; nothing was stored. Try again later.")
    except PortalRefused as exc:
        log.warning("token check refused by the portal (%s)", exc)
        return _error(503, "The portal refused this miner's token check; try again later.")
    except PortalUnavailable as exc:
        log.warning("token check failed: portal %s", exc)
        return _error(503, "The portal could not be asked whether the access token is valid (unreachable or "
                           "too slow); nothing was stored. Try again in a moment.")


def _store(key, token: str, shares: actions.Shares, answer: dict) -> Response:
    """Stores the shares once the portal's answer on the token is valid and fits them."""
    if answer.get("valid") is not True:
        return _refused(token, shares, answer.get("reason"))
    verified = verified_answer(answer)
    if verified is None or verified["period"] != shares.period:
        log.error("token check: the portal's answer is not as docs/api.md section 1 writes it")
        return _error(502, "The portal's answer was not understood; nothing was stored.")
    problem = _against_form(shares, verified["fields"], verified["ring"])
    if problem:
        return _error(400, problem)
    try:
        submission = actions.do_store(settings.MINER_INDEX, key, token, shares, verified["submission_id"],
                                      verified["ring"])
    except actions.TokenUsed as exc:
        return _error(409, f"{str(exc).capitalize()}.", reason="used")
    except DatabaseError as exc:  # all or nothing: one transaction
        log.error("share intake: the store could not be written (%s)", type(exc).__name__)
        return _error(503, "This miner's store could not be written; nothing was stored. Try again later.")
    log.info("stored the shares of submission %s (period %s)", submission.submission_id, submission.period)
    return Response(actions.receipt(settings.MINER_INDEX, submission), status=status.HTTP_201_CREATED)


def _refused(token, shares, reason) -> Response:
    if reason == "used":
        try:
            retry = _stored_meanwhile(token, shares)
        except actions.TokenUsed:
            retry = None
        except DatabaseError as exc:
            log.error("share intake: the store could not be read (%s)", type(exc).__name__)
            return _error(503, "This miner's store could not be read; nothing was stored. Try again later.")
        if retry is not None:
            return Response(actions.receipt(settings.MINER_INDEX, retry), status=status.HTTP_201_CREATED)
    if reason not in REFUSALS:
        return _error(502, "The portal's answer was not understood; nothing was stored.")
    code = status.HTTP_409_CONFLICT if reason == "used" else status.HTTP_403_FORBIDDEN
    return _error(code, REFUSALS[reason], reason=reason)


def _stored_meanwhile(token: str, shares: actions.Shares) -> actions.Submission | None:
    """The submission a concurrent request with this token and this body stored (a double click, or a
    retry that overtook its original): the portal said "used" to the one that came second, perhaps before
    the first had stored. Looked for until IN_FLIGHT_SECONDS have passed; TokenUsed at once when the token
    stored another body here."""
    deadline, pause = time.monotonic() + IN_FLIGHT_SECONDS, 0.02
    while True:
        retry = actions.stored_retry(token, shares)
        if retry is not None or time.monotonic() + pause > deadline:
            return retry
        time.sleep(pause)
        pause = min(2 * pause, 0.25)


def _against_form(shares: actions.Shares, fields: list[str], ring_bits: int) -> str:
    """Why the shares do not fit the period's form (its fields, its ring), or ""."""
    missing = sorted(set(fields) - set(shares.values))
    unknown = sorted(set(shares.values) - set(fields))
    if missing or unknown:
        return ("The shares do not name exactly the period's fields"
                + (f"; missing: {', '.join(missing[:10])}" if missing else "")
                + (f"; unknown: {', '.join(unknown[:10])}" if unknown else "") + ".")
    limit = 2**ring_bits
    too_large = sorted(code for part in (shares.values, shares.submitted)
                       for code, share in part.items() if share >= limit)
    if too_large:
        return f"Shares must be below 2^{ring_bits} in this period; not so for: {', '.join(too_large[:10])}."
    return ""
