"""Staff delete a period's shares sooner than the retention period (a confirmation page, then a POST), or
ask the miners that have not confirmed again. The period's status page (admin) shows the outcome."""

from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from consortium.portal.accounts.permissions import staff_required
from consortium.portal.periods.models import CollectionPeriod

from . import actions, tasks
from .forms import ConfirmForm
from .status import retention_status


def _status_page(period) -> str:
    return reverse("admin:periods_collectionperiod_status", args=[period.pk])


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def delete_shares(request, period_id):
    period = get_object_or_404(CollectionPeriod, pk=period_id)
    if request.method == "POST":
        if not ConfirmForm(request.POST).is_valid():
            messages.error(request, _("Please confirm with the button below."))
        else:
            _delete_or_retry(request, period)
            return redirect(_status_page(period))
    if period.shares_deletion_requested_at is not None:
        return redirect(_status_page(period))
    return render(request, "retention/confirm.html", {
        **admin.site.each_context(request),
        "title": _("Delete the shares of %(name)s") % {"name": period},
        "period": period,
        "retention": retention_status(period),
        "form": ConfirmForm(initial={"confirm": "yes"}),
        "status_url": _status_page(period),
    })


def _delete_or_retry(request, period) -> None:
    if period.shares_deletion_requested_at is not None:
        tasks.retry(period, request.user)
        messages.info(request, _("The miners that had not confirmed were asked again."))
        return
    try:
        tasks.request_deletion(period, request.user, request)
    except actions.RetentionError as exc:
        messages.error(request, str(exc))
        return
    messages.success(request, _("The three miners were asked to delete the shares of “%(name)s”.")
                     % {"name": period})
