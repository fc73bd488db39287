"""Report pages: the list, a report, the board's notes and publication, the Excel export."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import actions, content, excel
from .forms import NotesForm, PublishForm
from .models import Report


def _visible_report(request, pk) -> Report:
    report = get_object_or_404(Report.objects.select_related("period", "run", "superseded_by"), pk=pk)
    if not report.visible_to(request.user):
        raise Http404  # a draft's existence is nobody else's business
    return report


def _board_only(request):
    if not request.user.is_board:
        raise PermissionDenied


@login_required
def index(request):
    reports = Report.objects.select_related("period", "run", "superseded_by")
    user = request.user
    if not (user.is_board or user.is_consortium_staff):
        reports = reports.filter(state=Report.State.PUBLISHED)
    rows = list(reports)
    if user.is_consortium_staff:
        for r in rows:
            results = r.run.results or {}
            r.rejected_total = sum(int(e.get("rejected", 0)) for e in results.get("indicators", {}).values())
    return render(request, "reports/list.html", {"reports": rows})


@login_required
def detail(request, pk):
    report = _visible_report(request, pk)
    built = content.build(report, request.user)
    context = {
        "report": report,
        "content": built,
        "notes_form": NotesForm(initial={"notes": report.notes}),
        "my_value_data": {
            "indicators": built.published_values(),
            "period": report.period.name,
            "messages": {
                "invalid": _("Type a number, for example 1250 or 12.5."),
                "position": _("%(below)s of %(count)s companies reported less, %(equal)s the same, "
                              "%(above)s more."),
                "percentile": _("Percentile rank: %(percentile)s (out of 100)."),
                "copy_loaded": _("Your saved copy for %(period)s is read: %(count)s boxes below show where "
                                 "your figures stand. Nothing was sent."),
                "copy_other_period": _("This copy is of %(period)s, not of this report's period: the "
                                       "boxes compare those figures with this report's values."),
                "copy_invalid": _("This file is not a saved copy of your figures (a .json file saved "
                                  "after submitting)."),
                "copy_unreadable": _("The file could not be read."),
            },
        },
    }
    return render(request, "reports/detail.html", context)


@login_required
@require_POST
def notes(request, pk):
    report = _visible_report(request, pk)
    _board_only(request)
    form = NotesForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The notes could not be saved: %(errors)s")
                       % {"errors": " ".join(form.errors.get("notes", []))})
    else:
        try:
            actions.do_update_notes(report, request.user, form.cleaned_data["notes"])
            messages.success(request, _("Notes saved."))
        except actions.ReportError:
            messages.error(request, _("A published report's notes can no longer change."))
    return redirect("reports:detail", pk=report.pk)


@login_required
@require_http_methods(["GET", "POST"])
def publish(request, pk):
    report = _visible_report(request, pk)
    _board_only(request)
    if report.is_published:
        messages.info(request, _("This report is already published."))
        return redirect("reports:detail", pk=report.pk)
    form = PublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_publish(report, request.user, request)
        except actions.ReportError:
            messages.info(request, _("This report is already published."))
        else:
            messages.success(request, _("The report is published: every member can now see it."))
        return redirect("reports:detail", pk=report.pk)
    built = content.build(report, request.user)
    return render(request, "reports/publish_confirm.html", {"report": report, "content": built, "form": form})


@login_required
def export(request, pk):
    report = _visible_report(request, pk)
    data = excel.workbook_bytes(report, content.build(report, request.user))
    actions.do_record_export(report, request.user, request)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{excel.file_name(report)}"'
    response["Cache-Control"] = "private, no-store"
    return response
