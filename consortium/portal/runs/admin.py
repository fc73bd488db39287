"""The "Start analysis" action on the collection period changelist (periods' EXTRA_ACTIONS registry)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .actions import RunError
from .tasks import start_run

try:
    from consortium.portal.periods.admin_actions import EXTRA_ACTIONS, confirm_then
except ImportError:  # the periods admin has no extension point: the runs page is enough
    EXTRA_ACTIONS = None


def _start(period, request):
    run = start_run(period, request.user, request)
    if run.state == run.State.FAILED:
        raise RunError(_("The analysis of “%(period)s” could not start: %(reason)s")
                       % {"period": period, "reason": run.reason})


@admin.action(description=_("Start analysis"), permissions=["transition"])
def start_analysis(modeladmin, request, queryset):
    return confirm_then(
        modeladmin, request, queryset,
        title=_("Start analysis"),
        question=_("Ask the three miners to analyse these closed periods? Each uses the latest complete "
                   "submission of every member. Follow the progress on the Analyses page."),
        perform=lambda period: _start(period, request),
        success=_("The miners accepted the analysis of “%(name)s”."),
        refusals=(RunError,),
    )


if EXTRA_ACTIONS is not None and start_analysis not in EXTRA_ACTIONS:
    EXTRA_ACTIONS.append(start_analysis)
