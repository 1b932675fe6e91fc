"""Task definitions: the steps of a workflow, each with the form its worker fills."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from users.models import CompanyRole
from workflow_design.fast.json_columns import JSONField
from workflow_design.models import common
from workflow_design.models.choices import TaskType
from workflow_design.models.workflows import WorkflowDefinition
from workflow_design.rules.field_schemas import field_list_errors


class TaskDefinitionManager(common.WorkflowPartManager["TaskDefinition"]):
    """Tasks by natural key: their workflow's, then their slug."""


ROLE_HELP = _("The company role whose members work on this task.")


class TaskDefinition(common.CompanyOfWorkflow, common.WorkflowPart):
    company = common.company_field("task_definitions")
    workflow = models.ForeignKey(
        WorkflowDefinition, verbose_name=_("workflow"), on_delete=models.CASCADE, related_name="tasks"
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, help_text=_("Unique inside its workflow."))
    description = models.TextField(_("description"), blank=True)
    task_type = models.CharField(_("task type"), max_length=16, choices=TaskType.choices, default=TaskType.FORM)
    position = models.PositiveIntegerField(_("position"), default=0, help_text=_("Order of the task in the designer."))
    assignee_role = common.optional_reference(
        CompanyRole, _("assigned role"), "assigned_tasks", ROLE_HELP, on_delete=models.PROTECT
    )
    input_schema = JSONField(_("input fields (shown to the worker)"), default=common._empty_list, blank=True)
    output_schema = JSONField(_("output fields (the form the worker fills)"), default=common._empty_list, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    status = common.status_field()
    created_by = common.created_by_field()

    objects = TaskDefinitionManager()

    class Meta:
        verbose_name = _("task definition")
        ordering = ["workflow_id", "position", "id"]
        permissions = common.file_permissions("taskdefinition", _("task definitions"))
        constraints = [
            common.unique_in_workflow("wd_task", _("This workflow already has a task with this slug.")),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="wd_task_version_positive"),
            common.valid_status("wd_task"),
            models.CheckConstraint(condition=models.Q(task_type__in=TaskType.values), name="wd_task_type_valid"),
        ]
        # A company's list in its order: pages stop after their rows (access.definitions_for).
        indexes = [models.Index(fields=["company", "workflow", "position", "id"], name="wd_task_company_list")]

    def __str__(self) -> str:
        return self.title

    def natural_key(self) -> tuple[str, str, int, str]:
        return (*self.workflow.natural_key(), self.slug)

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
        common._raise_collected(errors)
