"""Members (companies), the people who act for them, the consortium's staff and board, and the audit log."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
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


# The apps whose admin pages consortium staff manage. Nobody else reaches the admin at all.
STAFF_ADMIN_APPS = frozenset({"accounts", "periods", "submissions", "runs", "reports", "otp_totp", "axes",
                              "minerlink"})


class PortalUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # `createsuperuser` makes the first staff member; the role is what grants admin access.
        extra_fields.setdefault("role", Role.STAFF)
        if extra_fields["role"] != Role.STAFF:
            raise ValueError("a superuser must have the staff role")
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person who logs in. Representatives belong to one company; staff and board to none.

    The role alone decides admin access: `is_staff` is true exactly for the staff role (kept so by
    `save()` and by a database constraint), and staff hold every permission on the portal's apps.
    """

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.REPRESENTATIVE)
    company = models.ForeignKey(Company, verbose_name=_("company"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="representatives")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    must_change_password = models.BooleanField(
        _("must change password"), default=False,
        help_text=_("Set when staff reset the password: the user chooses a new one at the next login."))

    objects = PortalUserManager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.CheckConstraint(
                name="representative_has_company",
                condition=~models.Q(role="representative") | models.Q(company__isnull=False),
            ),
            models.CheckConstraint(
                name="only_staff_role_is_staff",
                condition=(models.Q(role="staff", is_staff=True)
                           | (~models.Q(role="staff") & models.Q(is_staff=False, is_superuser=False))),
            ),
        ]

    def _apply_role(self):
        self.is_staff = self.role == Role.STAFF
        if not self.is_staff:
            self.is_superuser = False

    def clean(self):
        super().clean()
        self._apply_role()  # before the constraints are validated
        if self.role == Role.REPRESENTATIVE and self.company_id is None:
            raise ValidationError({"company": _("A member representative must belong to a company.")})
        if self.role != Role.REPRESENTATIVE and self.company_id is not None:
            raise ValidationError({"company": _("Only member representatives belong to a company.")})

    def save(self, *args, **kwargs):
        self._apply_role()
        super().save(*args, **kwargs)

    def has_perm(self, perm, obj=None):
        if self.is_active and self.is_staff and perm.split(".", 1)[0] in STAFF_ADMIN_APPS:
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label):
        if self.is_active and self.is_staff and app_label in STAFF_ADMIN_APPS:
            return True
        return super().has_module_perms(app_label)

    def has_first_password(self) -> bool:
        """Still the password staff typed when they added this person: never reset, never changed."""
        if not self.must_change_password:
            return False
        return not AuditEvent.objects.filter(
            models.Q(kind=AuditEvent.Kind.PASSWORD_RESET, detail__user_id=self.pk)
            | models.Q(kind=AuditEvent.Kind.PASSWORD_CHANGED, actor=self)).exists()

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
        PASSWORD_CHANGED = "password_changed", _("password changed")
        SECOND_FACTOR_ENROLLED = "second_factor_enrolled", _("second factor enrolled")
        SECOND_FACTOR_RESET = "second_factor_reset", _("second factor reset by staff")
        USER_CREATED = "user_created", _("person added")
        ACCESS_CHANGED = "access_changed", _("role or access changed")
        USER_DELETED = "user_deleted", _("person deleted")
        TOKEN_ISSUED = "token_issued", _("access token issued")
        SUBMISSION_COMPLETE = "submission_complete", _("submission complete")
        SUBMISSION_FAILED = "submission_failed", _("submission failed")
        PERIOD_OPENED = "period_opened", _("period opened")
        PERIOD_CLOSED = "period_closed", _("period closed")
        ANALYSIS_STARTED = "analysis_started", _("analysis started")
        ANALYSIS_FINISHED = "analysis_finished", _("analysis finished")
        ANALYSIS_FAILED = "analysis_failed", _("analysis failed")
        REPORT_PUBLISHED = "report_published", _("report published")
        REPORT_SUPERSEDED = "report_superseded", _("report superseded by a newer one")
        EXPORT_DOWNLOADED = "export_downloaded", _("export downloaded")
        SHARES_DELETION_REQUESTED = "shares_deletion_requested", _("deletion of a period's shares requested")
        SHARES_DELETED = "shares_deleted", _("a period's shares deleted by a miner (signed receipt)")
        MINER_REGISTERED = "miner_registered", _("miner registered its key")
        MINER_APPROVED = "miner_approved", _("miner's key approved")
        KEY_ROTATED = "key_rotated", _("miner's key rotated")
        KEY_ROTATION_REFUSED = "key_rotation_refused", _("miner's key rotation refused")

    kind = models.CharField(_("event"), max_length=32, choices=Kind.choices, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.SET_NULL)
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    ip = models.GenericIPAddressField(_("from (IP address)"), null=True, blank=True)
    detail = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"
