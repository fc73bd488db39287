"""Collection periods in Django admin: create, adjust indicators while draft, open, close, see who submitted.

Only consortium staff (role "staff", or a superuser) get anything here; every write goes
through periods.actions. Other apps add actions through periods.admin_actions.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consortium.portal.accounts.models import Company
from consortium.portal.periods import actions, admin_actions
from consortium.portal.periods.forms import IndicatorForm, PeriodForm
from consortium.portal.periods.models import CollectionPeriod, IndicatorDefinition
from consortium.portal.submissions.models import Submission

from .miner_status import miners_for_people
from .period_status import period_status

_STATE_BADGE = {"draft": "warn", "open": "ok", "closed": ""}


def is_consortium_staff(user) -> bool:
    role_ok = user.is_superuser or getattr(user, "is_consortium_staff", False)
    return user.is_active and user.is_staff and role_ok


def _is_draft(period) -> bool:
    return period is None or period.state == CollectionPeriod.State.DRAFT


class IndicatorInline(admin.TabularInline):
    """Editable while the period is a draft; read-only once members may have submitted against it."""

    model = IndicatorDefinition
    form = IndicatorForm
    extra = 0
    fields = IndicatorForm.Meta.fields

    def get_fields(self, request, obj=None):
        if _is_draft(obj):
            return self.fields  # editable: the stored texts, as staff typed them
        # read-only: the texts as members read them, in the viewer's language
        shown = {"name": "shown_name", "help_text": "shown_help_text", "lo": "shown_lo", "hi": "shown_hi"}
        return [shown.get(f, f) for f in self.fields]

    def get_readonly_fields(self, request, obj=None):
        return [] if _is_draft(obj) else ["shown_name", "shown_help_text", "shown_lo", "shown_hi"]

    @admin.display(description=gettext_lazy("lowest allowed (scaled)"))
    def shown_lo(self, obj):
        return number_format(obj.lo, force_grouping=True)

    @admin.display(description=gettext_lazy("highest allowed (scaled)"))
    def shown_hi(self, obj):
        return number_format(obj.hi, force_grouping=True)

    @admin.display(description=gettext_lazy("name"))
    def shown_name(self, obj):
        return obj.display_name

    @admin.display(description=gettext_lazy("help text"))
    def shown_help_text(self, obj):
        return obj.display_help_text

    def has_view_permission(self, request, obj=None):
        return is_consortium_staff(request.user)

    def has_add_permission(self, request, obj=None):
        return is_consortium_staff(request.user) and obj is not None and _is_draft(obj)

    def has_change_permission(self, request, obj=None):
        return is_consortium_staff(request.user) and obj is not None and _is_draft(obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)


@admin.action(description=gettext_lazy("Open for submissions"), permissions=["transition"])
def open_periods(modeladmin, request, queryset):
    return admin_actions.confirm_then(
        modeladmin, request, queryset,
        title=_("Open collection periods"),
        question=_("Open these periods for submissions?"),
        warning=_("Members can submit from now on, and the indicators can no longer change."),
        perform=lambda period: actions.do_open_period(period, request.user, request),
        success=_("“%(name)s” is open for submissions."),
        refusals=(actions.PeriodStateError,),
    )


@admin.action(description=gettext_lazy("Close"), permissions=["transition"])
def close_periods(modeladmin, request, queryset):
    return admin_actions.confirm_then(
        modeladmin, request, queryset,
        title=_("Close collection periods"),
        question=_("Close these periods?"),
        warning=_("Members can no longer submit or correct their figures. "
                  "A closed period cannot be reopened."),
        perform=lambda period: actions.do_close_period(period, request.user, request),
        success=_("“%(name)s” is closed."),
        refusals=(actions.PeriodStateError,),
    )


@admin.register(CollectionPeriod)
class CollectionPeriodAdmin(admin.ModelAdmin):
    form = PeriodForm
    inlines = [IndicatorInline]
    list_display = ["name", "kind", "state_badge", "starts_on", "ends_on", "submitted_column", "status_link"]
    # two periods a year: no filters, so that the table has the page's whole width
    search_fields = ["name"]

    @property
    def actions(self):
        # read on every request, so that actions other apps register later are included
        return [open_periods, close_periods, *admin_actions.EXTRA_ACTIONS]

    # --- permissions: consortium staff only; a period's settings change only while draft ---

    def has_module_permission(self, request):
        return is_consortium_staff(request.user)

    def has_view_permission(self, request, obj=None):
        return is_consortium_staff(request.user)

    def has_add_permission(self, request):
        return is_consortium_staff(request.user)

    def has_change_permission(self, request, obj=None):
        return is_consortium_staff(request.user) and _is_draft(obj)

    def has_delete_permission(self, request, obj=None):
        return is_consortium_staff(request.user) and obj is not None and _is_draft(obj)

    def has_transition_permission(self, request):
        return is_consortium_staff(request.user)

    def get_actions(self, request):
        found = super().get_actions(request)
        found.pop("delete_selected", None)  # deletes only through do_delete_draft_period, one at a time
        return found

    # --- the changelist ---

    def get_queryset(self, request):
        active = (Company.objects.filter(active=True).order_by().values("active")
                  .annotate(n=Count("pk")).values("n")[:1])
        return super().get_queryset(request).annotate(
            n_submitted=Count("submissions__company", distinct=True,
                              filter=Q(submissions__state=Submission.State.COMPLETE)),
            n_active=Coalesce(Subquery(active, output_field=IntegerField()), 0),
        )

    @admin.display(description=gettext_lazy("state"), ordering="state")
    def state_badge(self, period):
        return format_html('<span class="period-badge {}">{}</span>',
                           _STATE_BADGE.get(period.state, ""), period.get_state_display())

    @admin.display(description=gettext_lazy("submitted"), ordering="n_submitted")
    def submitted_column(self, period):
        return _("%(submitted)d of %(active)d") % {"submitted": period.n_submitted, "active": period.n_active}

    @admin.display(description="")
    def status_link(self, period):
        return format_html('<a href="{}">{}</a>', self._status_url(period), _("Who submitted"))

    def _status_url(self, period):
        return reverse("admin:periods_collectionperiod_status", args=[period.pk])

    # --- the add and change pages ---

    def get_fields(self, request, obj=None):
        if obj is None:
            return PeriodForm.Meta.fields
        return [*PeriodForm.Meta.fields, "state", "opened_at", "closed_at", "submission_summary"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["kind", "state", "opened_at", "closed_at", "submission_summary"]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # on creation the kind fills them in

    @admin.display(description=gettext_lazy("submissions"))
    def submission_summary(self, period):
        status = period_status(period)
        return format_html('{} <a href="{}">{}</a>',
                           _("%(submitted)d of %(active)d active companies have submitted.")
                           % {"submitted": status.submitted, "active": status.active},
                           self._status_url(period), _("Who has submitted, and miner health"))

    def save_model(self, request, obj, form, change):
        if not change:
            created = actions.do_create_period(obj.name, obj.kind, obj.starts_on, obj.ends_on, request.user,
                                               deadline=obj.deadline)
            obj.pk, obj.state = created.pk, created.state
        else:
            actions.do_update_draft_period(obj, form.changed_data, request.user)

    def response_add(self, request, obj, post_url_continue=None):
        if "_addanother" in request.POST or "_popup" in request.POST:
            return super().response_add(request, obj, post_url_continue)
        # straight to the indicators the kind filled in, so staff review them before opening
        self.message_user(request, _("“%(name)s” was created with the default indicators of its kind. "
                                     "Review them before opening the period.") % {"name": obj},
                          messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:periods_collectionperiod_change", args=[obj.pk]))

    def save_formset(self, request, form, formset, change):
        actions.do_save_indicators(form.instance, formset, request.user)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The indicators' table needs the page's whole width (ten columns, with their definitions): without
        # the admin's side menu it is not cut at the right at 1280 px.
        extra_context = {**(extra_context or {}), "is_nav_sidebar_enabled": False}
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except actions.PeriodStateError as e:
            # opened by someone else between loading and saving this page
            self.message_user(request, str(e), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_model(self, request, obj):
        actions.do_delete_draft_period(obj, request.user)

    # --- the status page: who submitted (never what), and the miners' health ---

    def get_urls(self):
        status = path("<int:object_id>/status/", self.admin_site.admin_view(self.status_view),
                      name="periods_collectionperiod_status")
        return [status, *super().get_urls()]

    def status_view(self, request, object_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        # HTTP to the miners first and outside any transaction; it waits one short timeout at most
        portal_library, miners = miners_for_people()
        period = get_object_or_404(CollectionPeriod, pk=object_id)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Submission status: %(name)s") % {"name": period},
            "opts": self.opts,
            "period": period,
            "status": period_status(period),
            "miners": miners,
            "portal_library": portal_library,
            "library_flagged": any(m["library_warning"] for m in miners),
        }
        return TemplateResponse(request, "admin/periods/collectionperiod/status.html", context)
