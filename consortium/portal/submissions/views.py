"""The member's pages: the form (figures stay in the browser), the history of attempts, feedback."""

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from consortium.portal.periods.indicator_sets import default_spec
from consortium.portal.periods.models import CollectionPeriod

from . import actions, failures
from .forms import FeedbackForm
from .models import Feedback, Submission, sent_attempts

SHARING_LIBRARY = "js/sharing.js"


def _representative(request):
    if not request.user.is_representative or request.user.company is None:
        raise PermissionDenied
    return request.user.company


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def form(request, period_id: int):
    """GET: the period's form page, not started; its button POSTs (with CSRF) here. POST: a fresh token
    and form instance, and the form itself. Only an explicit, same-site action issues a token, so no
    link or cross-site navigation can spend the member's ACCESS_TOKENS_PER_USER_PER_HOUR."""
    company = _representative(request)
    # A draft period does not exist for members; a closed one is explained.
    visible = CollectionPeriod.objects.exclude(state=CollectionPeriod.State.DRAFT)
    period = get_object_or_404(visible, pk=period_id)
    if not period.is_open:
        return render(request, "submissions/not_open.html", {"period": period}, status=403)
    if not company.active:
        raise PermissionDenied  # a former member (do_issue_token checks it again)
    context = {
        "period": period,
        "started": request.method == "POST",
        "sharing_available": finders.find(SHARING_LIBRARY) is not None,
        "last_complete": _latest_complete(company, period),
    }
    if not context["started"]:
        return render(request, "submissions/form.html", context)
    try:
        token, access, _submission = actions.do_issue_token(request.user, period, request=request)
    except actions.TooManyTokens as exc:
        messages.error(request, _too_many_forms(exc.retry_at))
        return redirect("submissions:history")
    indicators = list(period.indicators.order_by("position", "pk"))
    context.update({
        "fields": [_field_view(d) for d in indicators],
        "config": _sharing_config(request, period, indicators, token, access),
        "expires_at": access.expires_at,
        "sharing_library": SHARING_LIBRARY,
        "messages_js": _page_messages(),
    })
    return render(request, "submissions/form.html", context)


def _too_many_forms(retry_at) -> str:
    limit = settings.ACCESS_TOKENS_PER_USER_PER_HOUR
    return ngettext(
        "You have opened the form %(limit)d time in the last hour, the most the portal allows (a limit "
        "against automated use). You can open it again at %(time)s. Submissions you have made are not "
        "affected.",
        "You have opened the form %(limit)d times in the last hour, the most the portal allows (a limit "
        "against automated use). You can open it again at %(time)s. Submissions you have made are not "
        "affected.", limit) % {"limit": limit,
                               "time": date_format(timezone.localtime(retry_at), "DATETIME_FORMAT")}


def _page_messages() -> dict:
    """The form page script's sentences, translated here like every other string. People count the
    miners from 1 (%(n)s), as the failure reasons do."""
    return {
        "required": _("Please fill in this field."),
        "number": _("Please enter a number, for example 1234 or -12.5."),
        "decimals": _("Too many decimal places."),
        "whole": _("Please enter a whole number, without decimals."),
        "range": _("This is outside the allowed range: from %(lo)s to %(hi)s."),
        "thousands": _("Please type the number without a thousands separator, for example 1000 or 1 000."),
        "checking": _("Checking your figures..."),
        "error_badge": _("not sent"),
        "check": _("Please correct the fields marked above; nothing has been sent."),
        "unavailable": _("Submission is not available yet: nothing has been sent."),
        "sending_badge": _("sending"),
        "sending": _("Sending one share of your figures to each of the three miners..."),
        "sending_note": _("Each share alone is a random-looking number. Please keep this page open."),
        "miners": _("The three miners"),
        "miner": _("Miner %(n)s"),
        "waiting": _("waiting"),
        "miner_sending": _("sending"),
        "miner_retrying": _("trying again"),
        "miner_stored": _("stored"),
        "miner_failed": _("failed"),
        "miner_sending_note": _("sending its share..."),
        "miner_retrying_note": _("no answer yet; sending the same share once more..."),
        "miner_stored_note": _("stored its share and signed a receipt."),
        "miner_unreachable": _("could not be reached."),
        "miner_refused": _("did not store the share."),
        "confirming": _("Handing the three miners' receipts to the portal..."),
        "confirming_note": _("The submission counts only when the portal has accepted all three."),
        "submitted_badge": _("submitted"),
        "complete": _("Submitted. Thank you! Time of submission: %(time)s"),
        "complete_note": _("The portal accepted the receipts of all three miners."),
        "save_copy": _("Save a copy of my figures"),
        "save_copy_help": _("The copy is a small file made here in your browser and never uploaded. It holds "
                            "your figures, so keep it safe. On a report page you can load it to see where "
                            "each of your figures stands, without typing them again."),
        "failed_badge": _("not submitted"),
        "failed": _("Your figures were not submitted: nothing has been marked as submitted."),
        "failed_todo": _("What to do: check your internet connection, then start again with a new form and "
                         "type your figures again. If it fails again, contact the consortium staff and "
                         "tell them which miner is named above."),
        "network": _("The portal could not be reached, so the submission is not complete."),
        "retry": _("Start again with a new form"),
        "history": _("See your submissions"),
        "feedback": _("Answer three short questions (optional)"),
    }


def _unscaled(value: int, scale: int) -> str:
    """A bound in the member's units and language: "1,000,000" / "0.0" in English, "1 000 000" / "0,0"
    in Estonian."""
    return number_format(Decimal(value).scaleb(-scale), decimal_pos=scale, use_l10n=True, force_grouping=True)


def _bound(value: int, scale: int) -> str:
    """A bound as a member would write it: "100", not "100.0"; grouped in the page's language."""
    number = Decimal(value).scaleb(-scale)
    places = 0 if number == number.to_integral_value() else scale
    return number_format(number, decimal_pos=places, use_l10n=True, force_grouping=True)


def _hint(d) -> str:
    """What to type, in a member's words: the unit, whole or decimal, and the range only when it says
    something (a default's generous sanity bounds read as noise: "0 to 1,000,000,000,000")."""
    lo, hi = _bound(d.lo, d.scale), _bound(d.hi, d.scale)
    if d.scale:
        places = ngettext("At most %(places)s decimal place.", "At most %(places)s decimal places.",
                          d.scale) % {"places": d.scale}
    if d.unit == "%":
        return " ".join([_("A percentage from %(lo)s to %(hi)s.") % {"lo": lo, "hi": hi},
                         places if d.scale else _("A whole number.")])
    money = d.unit.upper() in ("EUR", "€")
    if d.scale:
        parts = [_("In euros.") if money else "", places]
    else:
        parts = [_("In euros, a whole number.") if money else _("A whole number.")]
    spec = default_spec(d.code)
    if spec is None or (spec["lo"], spec["hi"]) != (d.lo, d.hi):  # staff chose the range: it matters
        parts.append(_("Allowed: %(lo)s to %(hi)s.") % {"lo": lo, "hi": hi})
    elif d.lo < 0:
        parts.append(_("Can be negative."))
    return " ".join(p for p in parts if p)


def _field_view(d) -> dict:
    step = "1" if d.scale == 0 else f"0.{'0' * (d.scale - 1)}1"
    return {"code": d.code, "name": d.display_name, "unit": d.unit, "help": d.display_help_text,
            "hint": _hint(d), "required": d.required,
            "fixed": d.scale > 0, "scale": d.scale, "step": step,
            "lo": _unscaled(d.lo, d.scale), "hi": _unscaled(d.hi, d.scale)}


def _sharing_config(request, period, indicators, token, access) -> dict:
    """What the browser's sharing library needs. lo and hi are decimal strings (exact for BigInt)."""
    return {
        "miners": [{"index": i, "url": m["url"]} for i, m in enumerate(settings.MINERS)],
        "token": token,
        "form": str(access.form_id),
        "period": period.pk,
        "period_name": period.name,  # for the saved copy of the figures
        "ring_bits": period.ring_bits,
        "fields": [{"code": d.code, "encoding": d.encoding, "scale": d.scale, "lo": str(d.lo),
                    "hi": str(d.hi), "required": d.required} for d in indicators],
        "receipts_url": reverse("submissions:receipts"),
        "feedback_url": reverse("submissions:feedback", args=[access.form_id]),
        "history_url": reverse("submissions:history"),
        "csrf_token": get_token(request),
    }


def _latest_complete(company, period):
    return (Submission.objects.filter(company=company, period=period, state=Submission.State.COMPLETE)
            .order_by("-completed_at").first())


@login_required
def history(request):
    company = _representative(request)
    open_periods = CollectionPeriod.objects.filter(state=CollectionPeriod.State.OPEN).order_by("ends_on")
    # A form that was opened but never reached a miner is not an attempt: leave it out.
    # Whether each was answered, in the same query: one query for the page, however many attempts.
    answered = Feedback.objects.filter(submission=OuterRef("pk"))
    attempts = (Submission.objects.filter(company=company).filter(sent_attempts())
                .select_related("period", "user", "token").annotate(answered=Exists(answered))
                .order_by("-created_at"))
    counting = _counting(attempts)
    rows = [{"submission": s, "counts": counting.get(s.period_id) == s.pk,
             "reason": failures.describe(s.failure_reason),
             "feedback_due": s.state == Submission.State.COMPLETE and not s.answered}
            for s in attempts]
    return render(request, "submissions/history.html", {
        "open_periods": [{"period": p, "submitted": p.pk in counting} for p in open_periods],
        "rows": rows,
    })


def _counting(attempts) -> dict[int, int]:
    """Period id -> pk of the company's latest complete submission: the one the analysis uses."""
    latest = {}
    for s in attempts:
        if s.state == Submission.State.COMPLETE:
            best = latest.get(s.period_id)
            if best is None or s.completed_at > best.completed_at:
                latest[s.period_id] = s
    return {period_id: s.pk for period_id, s in latest.items()}


@login_required
def feedback(request, form_id):
    company = _representative(request)
    submission = get_object_or_404(Submission, token__form_id=form_id, company=company,
                                   state=Submission.State.COMPLETE)
    if Feedback.objects.filter(submission=submission).exists():
        messages.info(
            request, _("Thank you: you have already answered the questionnaire for this submission."))
        return redirect("submissions:history")
    questionnaire = FeedbackForm(request.POST or None)
    if request.method == "POST" and questionnaire.is_valid():
        try:
            actions.do_record_feedback(submission, **questionnaire.cleaned_data)
        except actions.FeedbackNotAllowed:
            raise Http404 from None
        messages.success(request, _("Thank you for your feedback."))
        return redirect("submissions:history")
    return render(request, "submissions/feedback.html", {"form": questionnaire, "submission": submission})
