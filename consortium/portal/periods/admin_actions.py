"""Extension point of the collection period admin, and its confirmation step.

Other apps add admin actions to the period changelist without editing the period admin (overview/admin.py):

    from django.contrib import admin
    from consortium.portal.periods.admin_actions import EXTRA_ACTIONS, confirm_then

    @admin.action(description=_("Start analysis"), permissions=["transition"])
    def start_analysis(modeladmin, request, queryset):
        return confirm_then(modeladmin, request, queryset, title=..., question=..., success=...,
                            perform=lambda period: do_start_run(period, request.user, request),
                            refusals=(RunError,))

    EXTRA_ACTIONS.append(start_analysis)

`permissions=["transition"]` limits the action to consortium staff (the admin's
has_transition_permission). The list is read on every request, so the order in which
admin modules are imported does not matter.
"""

from django.contrib import messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

EXTRA_ACTIONS: list = []

CONFIRM_TEMPLATE = "admin/periods/confirm_action.html"


def confirm_then(modeladmin, request, queryset, *, title, question, perform, success, refusals,
                 warning=""):
    """Show a confirmation page (as Django's delete does); on "confirm=yes", perform(obj) on each.

    `perform(obj)` refuses one object by raising one of `refusals` (exception types whose str()
    is a message for staff); `success` is a format string with %(name)s. Returning None sends
    the admin back to the changelist.
    """
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        for obj in queryset:
            try:
                perform(obj)
            except refusals as e:
                modeladmin.message_user(request, str(e), messages.ERROR)
            else:
                modeladmin.message_user(request, success % {"name": obj}, messages.SUCCESS)
        return None
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "question": question,
        "warning": warning,
        "objects": list(queryset),
        "opts": opts,
        "app_label": opts.app_label,
        "action_name": _chosen_action(request),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "selected": [str(obj.pk) for obj in queryset],
    }
    return TemplateResponse(request, CONFIRM_TEMPLATE, context)



def _chosen_action(request) -> str:
    # The changelist may show the action menu twice (top and bottom); "index" says which was used.
    names = request.POST.getlist("action")
    try:
        return names[int(request.POST.get("index", 0))]
    except (ValueError, IndexError):
        return names[-1] if names else ""
