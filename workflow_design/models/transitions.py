"""Workflow transitions: which task follows which, under which condition."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from workflow_design.models import common
from workflow_design.models.tasks import TaskDefinition
from workflow_design.models.workflows import WorkflowDefinition
from workflow_design.rules.cel import condition_errors


class WorkflowTransitionManager(common.WorkflowPartManager["WorkflowTransition"]):
    """Transitions by natural key: their workflow's, then their slug."""


START_HELP = _("Empty: a start transition, taken when a ticket is created.")
END_HELP = _("Empty: the transition ends the workflow.")


class WorkflowTransition(common.WorkflowPart):
    # The workflow's company, kept on the row (set by `clean()`, never edited) so the access
    # layer bounds a company's transitions by one indexed column, as it does tasks and tickets.
    company = common.company_field("workflow_transitions", blank=True, editable=False)
    workflow = models.ForeignKey(
        WorkflowDefinition, verbose_name=_("workflow"), on_delete=models.CASCADE, related_name="transitions"
    )
    slug = models.SlugField(_("slug"), max_length=120, help_text=_("Unique inside its workflow."))
    from_task = common.optional_reference(TaskDefinition, _("from task"), "outgoing_transitions", START_HELP)
    to_task = common.optional_reference(TaskDefinition, _("to task"), "incoming_transitions", END_HELP)
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
    status = common.status_field()
    # The source task's position (0 for a start transition), kept on the row by `clean()` and
    # the services, so a workflow's transitions come in task order straight from an index.
    from_position = models.PositiveIntegerField(_("source position"), default=0, editable=False)

    objects = WorkflowTransitionManager()

    class Meta:
        verbose_name = _("workflow transition")
        ordering = ["workflow_id", "from_position", "priority", "id"]
        permissions = common.file_permissions("workflowtransition", _("workflow transitions"))
        constraints = [
            common.unique_in_workflow("wd_transition", _("This workflow already has a transition with this slug.")),
            models.CheckConstraint(
                condition=models.Q(from_task__isnull=False) | models.Q(to_task__isnull=False),
                name="wd_transition_not_start_to_end",
                violation_error_message=_(
                    "A transition needs a from task or a to task (start straight to end does nothing)."
                ),
            ),
            common.valid_status("wd_transition"),
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

    @staticmethod
    def default_slug(*, from_task: TaskDefinition | None, to_task: TaskDefinition | None) -> str:
        """`<from>-to-<to>`, with `start` and `end` for the empty ends."""
        return f"{from_task.slug if from_task else 'start'}-to-{to_task.slug if to_task else 'end'}"[:120]

    def slug_base(self) -> str:
        return self.default_slug(
            from_task=self.from_task if self.from_task_id is not None else None,
            to_task=self.to_task if self.to_task_id is not None else None,
        )

    def save(self, *args, **kwargs) -> None:
        # A row made without these (the ORM, a script) takes its workflow's company and its
        # source task's position, as `clean()` and the services set them.
        if self.workflow_id is not None and self.company_id is None:
            self.company_id = self.workflow.company_id
        if self._state.adding and self.from_task_id is not None and not self.from_position:
            self.from_position = self.from_task.position
        super().save(*args, **kwargs)

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
        common._raise_collected(errors)
