"""The audit trail: who changed which definition, when, by which path."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from users.models import Company
from workflow_design.fast.json_columns import JSONField


class AuditAction(models.TextChoices):
    CREATED = "created", _("Created")
    CHANGED = "changed", _("Changed")
    DELETED = "deleted", _("Deleted")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")
    NEW_VERSION = "new_version", _("New version created")


class AuditChannel(models.TextChoices):
    ADMIN = "admin", _("Admin")
    API = "api", _("REST API")
    IMPORT = "import", _("File import")
    BUNDLE = "bundle", _("Workflow bundle")
    COMMAND = "command", _("Command line")
    CODE = "code", _("Other")
    MCP = "mcp", _("AI assistant (MCP)")


class AuditEntry(models.Model):
    """Who changed which definition, when, by which path, and what changed.

    Kept without a foreign key to the definition so that its history outlives it.
    """

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.CASCADE, related_name="audit_entries"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_email = models.CharField(_("who (email)"), max_length=254, blank=True)
    channel = models.CharField(_("path"), max_length=16, choices=AuditChannel.choices)
    action = models.CharField(_("action"), max_length=16, choices=AuditAction.choices)
    content_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name=_("kind"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(_("object id"))
    object_repr = models.CharField(_("object"), max_length=300)
    changes = JSONField(_("what changed"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="wd_audit_object")]
        constraints = [
            models.CheckConstraint(condition=models.Q(channel__in=AuditChannel.values), name="wd_audit_channel_valid"),
            models.CheckConstraint(condition=models.Q(action__in=AuditAction.values), name="wd_audit_action_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"
