"""Staff see who submitted and when, never what. Everything here is read-only."""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from . import failures
from .models import AccessToken, Feedback, Receipt, Submission


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessToken)
class AccessTokenAdmin(ReadOnlyAdmin):
    list_display = ["form_id", "company", "user", "period", "created_at", "expires_at", "miners_used",
                    "consumed_at"]
    list_filter = ["period"]
    exclude = ["token_hash"]  # useless to a person, and it need not be shown

    @admin.display(description=_("verified by miners"))
    def miners_used(self, obj):
        return ", ".join(str(i + 1) for i in range(3) if obj.used_by(i)) or "-"


class ReceiptInline(admin.TabularInline):
    model = Receipt
    fields = ["miner", "verified", "received_at", "digest"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ["company", "period", "user", "state", "created_at", "completed_at"]
    list_filter = ["period", "state"]
    search_fields = ["company__name"]
    fields = ["submission_id", "company", "period", "user", "state", "why_it_failed", "created_at",
              "completed_at"]
    readonly_fields = fields
    inlines = [ReceiptInline]

    @admin.display(description=_("why it failed"))
    def why_it_failed(self, obj):
        return failures.describe(obj.failure_reason) or "-"  # the stored code names miners 0-2


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = ["submission", "miner", "verified", "received_at"]
    list_filter = ["verified", "miner"]


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    """The questionnaire's tallies above the list; answers are listed without the company."""

    list_display = ["created_at", "benefit", "explanation_helped", "extra_indicators"]
    list_filter = ["benefit", "explanation_helped"]
    fields = ["created_at", "benefit", "explanation_helped", "extra_indicators"]
    readonly_fields = fields
    change_list_template = "admin/submissions/feedback/change_list.html"

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "tallies": self.tallies()}
        return super().changelist_view(request, extra_context=extra_context)

    @staticmethod
    def tallies() -> list[dict]:
        """Per question: each answer with its count (zero counts shown too); the total counts the people who
        answered that question (a question left blank is not an answer)."""
        questions = [("benefit", Feedback.Benefit), ("explanation_helped", Feedback.Explanation)]
        result = []
        for name, choices in questions:
            grouped = Feedback.objects.order_by().values(name).annotate(n=Count("pk"))
            counts = {row[name]: row["n"] for row in grouped}
            result.append({
                "question": Feedback._meta.get_field(name).verbose_name,
                "answers": [{"label": label, "count": counts.get(value, 0)}
                            for value, label in choices.choices],
                "total": sum(counts.get(value, 0) for value in choices.values),
            })
        return result
