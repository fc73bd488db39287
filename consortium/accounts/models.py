"""Members (companies), the people who act for them, the consortium's staff and board, and the audit log."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Company(models.Model):
    """A member of the consortium. Its figures never reach the portal; only whether it submitted."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    registry_code = models.CharField(_("registry code"), max_length=32, unique=True)
    active = models.BooleanField(_("active member"), default=True)
    joined = models.DateField(_("joined"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    REPRESENTATIVE = "representative", _("member representative")
    STAFF = "staff", _("consortium staff")
    BOARD = "board", _("board member")


class User(AbstractUser):
    """A person who logs in. Representatives belong to one company; staff and board to none."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.REPRESENTATIVE)
    company = models.ForeignKey(Company, verbose_name=_("company"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="representatives")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="representative_has_company",
                condition=~models.Q(role="representative") | models.Q(company__isnull=False),
            ),
        ]

    @property
    def is_representative(self) -> bool:
        return self.role == Role.REPRESENTATIVE

    @property
    def is_consortium_staff(self) -> bool:
        return self.role == Role.STAFF

    @property
    def is_board(self) -> bool:
        return self.role == Role.BOARD


class AuditEvent(models.Model):
    """Who did what, when, from where. Never a figure, a share or a token in `detail`."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("login")
        LOGIN_FAILED = "login_failed", _("login failed")
        LOGOUT = "logout", _("logout")
        PASSWORD_RESET = "password_reset", _("password reset by staff")
        TOKEN_ISSUED = "token_issued", _("access token issued")
        SUBMISSION_COMPLETE = "submission_complete", _("submission complete")
        SUBMISSION_FAILED = "submission_failed", _("submission failed")
        PERIOD_OPENED = "period_opened", _("period opened")
        PERIOD_CLOSED = "period_closed", _("period closed")
        ANALYSIS_STARTED = "analysis_started", _("analysis started")
        ANALYSIS_FINISHED = "analysis_finished", _("analysis finished")
        ANALYSIS_FAILED = "analysis_failed", _("analysis failed")
        REPORT_PUBLISHED = "report_published", _("report published")
        EXPORT_DOWNLOADED = "export_downloaded", _("export downloaded")

    kind = models.CharField(max_length=32, choices=Kind.choices, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"
