from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from ticketflower.timestamps import TimeStampedModel
from users.models import Company, CompanyRole
from workflow_design.rules.cel import condition_errors
from workflow_design.rules.field_schemas import field_list_errors, field_names
from workflow_design.rules.structured_fields import ext_ref_errors, layout_errors, role_access_errors


class DefinitionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class TaskType(models.TextChoices):
    # The extension point for automated and AI-assisted tasks of the runtime.
    FORM = "FORM", _("Form (a person fills the output form)")


def _empty_list() -> list:
    return []


def _raise_collected(errors: dict[str, list[str]]) -> None:
    errors = {field: messages for field, messages in errors.items() if messages}
    if errors:
        raise ValidationError(errors)


class WorkflowDefinitionQuerySet(models.QuerySet["WorkflowDefinition"]):
    def drafts(self) -> WorkflowDefinitionQuerySet:
        return self.filter(status=DefinitionStatus.DRAFT)

    def published(self) -> WorkflowDefinitionQuerySet:
        return self.filter(status=DefinitionStatus.PUBLISHED)


class WorkflowDefinitionManager(models.Manager.from_queryset(WorkflowDefinitionQuerySet)):  # type: ignore[misc]
    def get_by_natural_key(self, company_slug: str, slug: str, version: int) -> WorkflowDefinition:
        return self.get(company__slug=company_slug, slug=slug, version=version)


class WorkflowDefinition(TimeStampedModel):
    company = models.ForeignKey(Company, verbose_name=_("company"), on_delete=models.PROTECT, related_name="workflows")
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(
        _("slug"), max_length=80, help_text=_("Names the workflow in files and the API; kept across versions.")
    )
    description = models.TextField(_("description"), blank=True)
    ext_ref = models.JSONField(_("external references"), default=_empty_list, blank=True)
    fields = models.JSONField(_("workflow fields"), default=_empty_list, blank=True)
    display_layout = models.JSONField(_("display layout"), default=_empty_list, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(
        _("status"), max_length=16, choices=DefinitionStatus.choices, default=DefinitionStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    revision = models.PositiveIntegerField(
        _("revision"),
        default=1,
        editable=False,
        help_text=_("Raised by every saved change to the workflow or its parts; detects concurrent edits."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = WorkflowDefinitionManager()

    class Meta:
        verbose_name = _("workflow definition")
        verbose_name_plural = _("workflow definitions")
        ordering = ["title", "-version", "id"]
        permissions = [
            ("import_workflowdefinition", _("Can import workflow definitions")),
            ("export_workflowdefinition", _("Can export workflow definitions")),
            ("publish_workflowdefinition", _("Can publish workflow definitions")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "slug", "version"],
                name="wd_workflow_unique_slug_version_per_company",
                violation_error_message=_("This company already has this version of a workflow with this slug."),
            ),
            models.UniqueConstraint(
                fields=["company", "slug"],
                condition=models.Q(status="draft"),
                name="wd_workflow_one_draft_per_slug",
                violation_error_message=_("This workflow already has a draft version; edit that one."),
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1),
                name="wd_workflow_version_positive",
                violation_error_message=_("Versions start at 1."),
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=DefinitionStatus.values), name="wd_workflow_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["company", "status"], name="wd_workflow_company_status"),
            # A company's list in its order: pages stop after their rows (access.definitions_for).
            models.Index(fields=["company", "title", "-version", "id"], name="wd_workflow_company_list"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    def natural_key(self) -> tuple[str, str, int]:
        return (self.company.slug, self.slug, self.version)

    natural_key.dependencies = ["users.company"]  # type: ignore[attr-defined]

    def clean(self) -> None:
        super().clean()
        names = field_names(self.fields)
        _raise_collected(
            {
                "fields": field_list_errors(self.fields),
                "ext_ref": ext_ref_errors(self.ext_ref),
                "display_layout": layout_errors(self.display_layout, names),
            }
        )

    @property
    def is_editable(self) -> bool:
        return self.status == DefinitionStatus.DRAFT


class TaskDefinitionManager(models.Manager["TaskDefinition"]):
    def get_by_natural_key(self, company_slug: str, workflow_slug: str, version: int, slug: str) -> TaskDefinition:
        return self.get(
            workflow__company__slug=company_slug, workflow__slug=workflow_slug, workflow__version=version, slug=slug
        )


class TaskDefinition(TimeStampedModel):
    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.PROTECT, related_name="task_definitions"
    )
    workflow = models.ForeignKey(
        WorkflowDefinition, verbose_name=_("workflow"), on_delete=models.CASCADE, related_name="tasks"
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, help_text=_("Unique inside its workflow."))
    description = models.TextField(_("description"), blank=True)
    task_type = models.CharField(_("task type"), max_length=16, choices=TaskType.choices, default=TaskType.FORM)
    position = models.PositiveIntegerField(_("position"), default=0, help_text=_("Order of the task in the designer."))
    assignee_role = models.ForeignKey(
        CompanyRole,
        verbose_name=_("assigned role"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_tasks",
        help_text=_("The company role whose members work on this task."),
    )
    input_schema = models.JSONField(_("input fields (shown to the worker)"), default=_empty_list, blank=True)
    output_schema = models.JSONField(_("output fields (the form the worker fills)"), default=_empty_list, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(
        _("status"), max_length=16, choices=DefinitionStatus.choices, default=DefinitionStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = TaskDefinitionManager()

    class Meta:
        verbose_name = _("task definition")
        verbose_name_plural = _("task definitions")
        ordering = ["workflow_id", "position", "id"]
        permissions = [
            ("import_taskdefinition", _("Can import task definitions")),
            ("export_taskdefinition", _("Can export task definitions")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["workflow", "slug"],
                name="wd_task_unique_slug_per_workflow",
                violation_error_message=_("This workflow already has a task with this slug."),
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="wd_task_version_positive"),
            models.CheckConstraint(condition=models.Q(status__in=DefinitionStatus.values), name="wd_task_status_valid"),
            models.CheckConstraint(condition=models.Q(task_type__in=TaskType.values), name="wd_task_type_valid"),
        ]
        # A company's list in its order: pages stop after their rows (access.definitions_for).
        indexes = [models.Index(fields=["company", "workflow", "position", "id"], name="wd_task_company_list")]

    def __str__(self) -> str:
        return self.title

    def natural_key(self) -> tuple[str, str, int, str]:
        return (*self.workflow.natural_key(), self.slug)

    natural_key.dependencies = ["workflow_design.workflowdefinition"]  # type: ignore[attr-defined]

    def clean(self) -> None:
        super().clean()
        errors: dict[str, list[str]] = {
            "input_schema": field_list_errors(self.input_schema),
            "output_schema": field_list_errors(self.output_schema),
        }
        if self.workflow_id is not None:
            workflow = self.workflow
            if self.company_id is None:
                self.company_id = workflow.company_id
            if self.company_id != workflow.company_id:
                errors["workflow"] = [_("The workflow belongs to another company than the task.")]
            if self.assignee_role_id is not None and self.assignee_role.company_id != workflow.company_id:
                errors["assignee_role"] = [_("Choose a role of this workflow's company.")]
        _raise_collected(errors)


class WorkflowTransitionManager(models.Manager["WorkflowTransition"]):
    def get_by_natural_key(self, company_slug: str, workflow_slug: str, version: int, slug: str) -> WorkflowTransition:
        return self.get(
            workflow__company__slug=company_slug, workflow__slug=workflow_slug, workflow__version=version, slug=slug
        )


class WorkflowTransition(TimeStampedModel):
    # The workflow's company, kept on the row (set by `clean()`, never edited) so the access
    # layer bounds a company's transitions by one indexed column, as it does tasks and tickets.
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        related_name="workflow_transitions",
        blank=True,
        editable=False,
    )
    workflow = models.ForeignKey(
        WorkflowDefinition, verbose_name=_("workflow"), on_delete=models.CASCADE, related_name="transitions"
    )
    slug = models.SlugField(_("slug"), max_length=120, help_text=_("Unique inside its workflow."))
    from_task = models.ForeignKey(
        TaskDefinition,
        verbose_name=_("from task"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outgoing_transitions",
        help_text=_("Empty: a start transition, taken when a ticket is created."),
    )
    to_task = models.ForeignKey(
        TaskDefinition,
        verbose_name=_("to task"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="incoming_transitions",
        help_text=_("Empty: the transition ends the workflow."),
    )
    condition = models.TextField(
        _("condition"),
        blank=True,
        help_text=_(
            "A CEL expression over ticket.*, workflow.* and output.*; empty means always (the default branch)."
        ),
    )
    priority = models.PositiveIntegerField(
        _("priority"), default=100, help_text=_("Outgoing transitions are tried in ascending priority.")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=DefinitionStatus.choices, default=DefinitionStatus.DRAFT
    )
    # The source task's position (0 for a start transition), kept on the row by `clean()` and
    # the services, so a workflow's transitions come in task order straight from an index.
    from_position = models.PositiveIntegerField(_("source position"), default=0, editable=False)

    objects = WorkflowTransitionManager()

    class Meta:
        verbose_name = _("workflow transition")
        verbose_name_plural = _("workflow transitions")
        ordering = ["workflow_id", "from_position", "priority", "id"]
        permissions = [
            ("import_workflowtransition", _("Can import workflow transitions")),
            ("export_workflowtransition", _("Can export workflow transitions")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["workflow", "slug"],
                name="wd_transition_unique_slug_per_workflow",
                violation_error_message=_("This workflow already has a transition with this slug."),
            ),
            models.CheckConstraint(
                condition=models.Q(from_task__isnull=False) | models.Q(to_task__isnull=False),
                name="wd_transition_not_start_to_end",
                violation_error_message=_(
                    "A transition needs a from task or a to task (start straight to end does nothing)."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=DefinitionStatus.values), name="wd_transition_status_valid"
            ),
        ]
        # A company's list in its order: pages stop after their rows (access.definitions_for).
        indexes = [
            models.Index(
                fields=["company", "workflow", "from_position", "priority", "id"], name="wd_transition_company_list"
            )
        ]

    def __str__(self) -> str:
        source = self.from_task.title if self.from_task_id else _("start")
        target = self.to_task.title if self.to_task_id else _("end")
        return f"{source} → {target}"

    def natural_key(self) -> tuple[str, str, int, str]:
        return (*self.workflow.natural_key(), self.slug)

    natural_key.dependencies = ["workflow_design.taskdefinition"]  # type: ignore[attr-defined]

    def clean(self) -> None:
        super().clean()
        errors: dict[str, list[str]] = {}
        if self.from_task_id is None and self.to_task_id is None:
            errors["to_task"] = [_("A transition needs a from task or a to task (start straight to end does nothing).")]
        if self.workflow_id is not None:
            if self.company_id is None:
                self.company_id = self.workflow.company_id
            if self.company_id != self.workflow.company_id:
                errors["workflow"] = [_("The workflow belongs to another company than the transition.")]
            self.from_position = self.from_task.position if self.from_task_id is not None else 0
            for name in ("from_task", "to_task"):
                task = getattr(self, name) if getattr(self, f"{name}_id") is not None else None
                if task is not None and task.workflow_id != self.workflow_id:
                    errors[name] = [_("The task %(task)s is not part of this workflow.") % {"task": task.slug}]
            if (self.condition or "").strip() and "from_task" not in errors:
                # Checked against the source task's output form, the workflow fields and the
                # ticket definitions using the workflow, so the admin row, the API field and
                # the import line all show the message on `condition`.
                errors["condition"] = condition_errors(
                    self.condition,
                    workflow=self.workflow,
                    from_task=self.from_task if self.from_task_id is not None else None,
                )
        _raise_collected(errors)


class TicketDefinitionManager(models.Manager["TicketDefinition"]):
    def get_by_natural_key(self, company_slug: str, slug: str, version: int) -> TicketDefinition:
        return self.get(company__slug=company_slug, slug=slug, version=version)


class TicketDefinition(TimeStampedModel):
    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.PROTECT, related_name="ticket_definitions"
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80)
    description = models.TextField(_("description"), blank=True)
    ext_ref = models.JSONField(_("external references"), default=_empty_list, blank=True)
    workflow = models.ForeignKey(
        WorkflowDefinition, verbose_name=_("workflow"), on_delete=models.PROTECT, related_name="ticket_definitions"
    )
    fields = models.JSONField(_("ticket fields"), default=_empty_list, blank=True)
    company_role_access = models.JSONField(
        _("company roles with access"),
        default=_empty_list,
        blank=True,
        help_text=_("Slugs of the company roles that may submit and see tickets of this type."),
    )
    edit_layout = models.JSONField(_("edit layout"), default=_empty_list, blank=True)
    display_layout = models.JSONField(_("display layout"), default=_empty_list, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(
        _("status"), max_length=16, choices=DefinitionStatus.choices, default=DefinitionStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = TicketDefinitionManager()

    class Meta:
        verbose_name = _("ticket definition")
        verbose_name_plural = _("ticket definitions")
        ordering = ["title", "-version", "id"]
        permissions = [
            ("import_ticketdefinition", _("Can import ticket definitions")),
            ("export_ticketdefinition", _("Can export ticket definitions")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "slug", "version"],
                name="wd_ticket_unique_slug_version_per_company",
                violation_error_message=_(
                    "This company already has this version of a ticket definition with this slug."
                ),
            ),
            models.UniqueConstraint(
                fields=["company", "slug"],
                condition=models.Q(status="draft"),
                name="wd_ticket_one_draft_per_slug",
                violation_error_message=_("This ticket definition already has a draft version; edit that one."),
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="wd_ticket_version_positive"),
            models.CheckConstraint(
                condition=models.Q(status__in=DefinitionStatus.values), name="wd_ticket_status_valid"
            ),
        ]
        # A company's list in its order: pages stop after their rows (access.definitions_for).
        indexes = [models.Index(fields=["company", "title", "-version", "id"], name="wd_ticket_company_list")]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    def natural_key(self) -> tuple[str, str, int]:
        return (self.company.slug, self.slug, self.version)

    natural_key.dependencies = ["workflow_design.workflowdefinition"]  # type: ignore[attr-defined]

    def clean(self) -> None:
        super().clean()
        names = field_names(self.fields)
        errors: dict[str, list[str]] = {
            "fields": field_list_errors(self.fields),
            "ext_ref": ext_ref_errors(self.ext_ref),
            "edit_layout": layout_errors(self.edit_layout, names),
            "display_layout": layout_errors(self.display_layout, names),
        }
        if self.workflow_id is not None and self.company_id is not None:
            if self.workflow.company_id != self.company_id:
                errors["workflow"] = [_("Choose a workflow of this ticket definition's company.")]
        if self.company_id is not None:
            slugs = set(CompanyRole.objects.filter(company_id=self.company_id).values_list("slug", flat=True))
            errors["company_role_access"] = role_access_errors(self.company_role_access, slugs)
        _raise_collected(errors)


def definition_company_id(obj: models.Model) -> int | None:
    """The company that owns a definition."""
    return getattr(obj, "company_id", None)


# django-guardian direct foreign-key object permissions: one joinable table per model and
# kind, so access filtering is a plain join instead of a cast of a generic object_pk.
class WorkflowDefinitionUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(WorkflowDefinition, on_delete=models.CASCADE)


class WorkflowDefinitionGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(WorkflowDefinition, on_delete=models.CASCADE)


class TaskDefinitionUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(TaskDefinition, on_delete=models.CASCADE)


class TaskDefinitionGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(TaskDefinition, on_delete=models.CASCADE)


class WorkflowTransitionUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(WorkflowTransition, on_delete=models.CASCADE)


class WorkflowTransitionGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(WorkflowTransition, on_delete=models.CASCADE)


class TicketDefinitionUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(TicketDefinition, on_delete=models.CASCADE)


class TicketDefinitionGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(TicketDefinition, on_delete=models.CASCADE)


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
    changes = models.JSONField(_("what changed"), default=dict, blank=True)

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
