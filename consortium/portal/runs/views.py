"""Staff pages of analysis runs: the list, the start confirmation, live progress, restart."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db.models import Count, Max, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from consortium.portal.accounts.permissions import staff_required
from consortium.portal.periods.models import CollectionPeriod

from . import actions, live, plan, tasks
from .forms import ConfirmForm
from .models import AnalysisRun

RUNS_SHOWN = 50


@require_safe
@staff_required
def index(request):
    tasks.fail_overdue_runs.delay()
    runs = (AnalysisRun.objects.select_related("period", "started_by")
            .prefetch_related("miner_states")[:RUNS_SHOWN])
    periods = (CollectionPeriod.objects.filter(state=CollectionPeriod.State.CLOSED)
               .annotate(active=Count("runs", filter=Q(runs__state__in=actions.ACTIVE_STATES)),
                         done=Count("runs", filter=Q(runs__state=AnalysisRun.State.DONE))))
    return render(request, "runs/list.html", {
        "runs": [(run, live.run_status(run)) for run in runs],
        "periods": [(p, len(plan.latest_complete(p))) for p in periods],
    })


@staff_required
def start(request, period_id):
    period = get_object_or_404(CollectionPeriod, pk=period_id)
    if request.method == "POST":
        if ConfirmForm(request.POST).is_valid():
            try:
                run = tasks.start_run(period, request.user, request)
            except actions.RunError as exc:
                messages.error(request, str(exc))
                return redirect("runs:list")
            _say_how_it_started(request, run)
            return redirect("runs:detail", run_id=run.run_id)
        messages.error(request, _("Please confirm with the button below."))
    return render(request, "runs/start.html", {
        "period": period,
        "companies": len(plan.latest_complete(period)),
        # the template reads .name: the names people read, in their language
        "indicators": [{"code": d.code, "name": d.display_name}
                       for d in period.indicators.order_by("position", "pk")],
        "series": plan.series_periods(period),
        "ratio": {plan.RATIO_NUMERATOR, plan.RATIO_DENOMINATOR}
        <= set(period.indicators.values_list("code", flat=True)),
        "closed": period.state == CollectionPeriod.State.CLOSED,
        "form": ConfirmForm(initial={"confirm": "yes"}),
    })


@require_safe
@staff_required
def detail(request, run_id):
    run = get_object_or_404(AnalysisRun.objects.select_related("period", "started_by"), run_id=run_id)
    run = tasks.refresh_if_overdue(run)
    return render(request, "runs/detail.html", {
        "run": run,
        "status": live.run_status(run),
        "form": ConfirmForm(initial={"confirm": "yes"}),
        "restarted_as": AnalysisRun.objects.filter(period=run.period, created_at__gt=run.created_at)
        .order_by("created_at").first() if run.state == AnalysisRun.State.FAILED else None,
        "summary": _summary(run),
    })


def _summary(run) -> list[dict]:
    """Per analysis, how many values were kept and how many rejected: counts only, never a value."""
    results = run.results or {}
    names = {d.code: d.display_name for d in run.period.indicators.all()}
    rows = [{"name": names.get(code, code), "count": r["count"], "rejected": r["rejected"]}
            for code, r in results.get("indicators", {}).items()]
    ratios = results.get("ratios", {})
    rows += [{"name": _("Added value per employee") if name == plan.RATIO_NAME else name,
              "count": r["count"], "rejected": r["rejected"]} for name, r in ratios.items()]
    return rows


@require_safe
@never_cache
@staff_required
def status(request, run_id):
    """The polling fallback of the progress page's websocket: the same JSON."""
    run = tasks.refresh_if_overdue(get_object_or_404(AnalysisRun, run_id=run_id))
    _poll_if_stale(run)
    return JsonResponse(live.run_status(run))


def _poll_if_stale(run) -> None:
    """No push for RUN_POLL_AFTER_SECONDS: ask the miners (at most once per that interval per run)."""
    if run.state not in actions.ACTIVE_STATES:
        return
    wait = settings.RUN_POLL_AFTER_SECONDS
    latest = run.miner_states.aggregate(at=Max("updated_at"))["at"] or run.created_at
    if timezone.now() - latest < timedelta(seconds=wait):
        return
    if cache.add(f"runs:polled:{run.pk}", 1, timeout=wait):  # False while another page just asked
        tasks.poll_run.delay(run.pk)
        run.refresh_from_db()


@require_POST
@staff_required
def restart(request, run_id):
    run = get_object_or_404(AnalysisRun, run_id=run_id)
    if not ConfirmForm(request.POST).is_valid():
        messages.error(request, _("Please confirm with the button below."))
        return redirect("runs:detail", run_id=run.run_id)
    try:
        new_run = tasks.restart_run(run, request.user, request)
    except actions.RunError as exc:
        messages.error(request, str(exc))
        return redirect("runs:detail", run_id=run.run_id)
    _say_how_it_started(request, new_run)
    return redirect("runs:detail", run_id=new_run.run_id)


def _say_how_it_started(request, run):
    if run.state == AnalysisRun.State.FAILED:
        messages.error(request, _("The analysis could not start: %(reason)s") % {"reason": run.reason})
    else:
        messages.success(request, _("The three miners accepted the analysis of “%(period)s”.")
                         % {"period": run.period})
