"""Workflow transitions in per-model files: one row a transition, by its workflow and task slugs."""

from __future__ import annotations

from django.utils.translation import gettext as _
from import_export import fields

from workflow_design import access
from workflow_design.files.bundles import TRANSITION_KEYS
from workflow_design.files.cells import SlugReference, WholeNumberCell
from workflow_design.files.resources.kinds import PartResource
from workflow_design.models import WorkflowTransition


class TransitionResource(PartResource):
    from_task = fields.Field(attribute="from_task", column_name="from_task")
    to_task = fields.Field(attribute="to_task", column_name="to_task")
    priority = fields.Field(attribute="priority", column_name="priority", widget=WholeNumberCell(default=100))

    create_fields = ("workflow", *TRANSITION_KEYS)

    class Meta:
        model = WorkflowTransition
        fields = ("workflow", "workflow_version", *TRANSITION_KEYS)
        export_order = fields
        import_id_fields = ("workflow",)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fields["from_task"].widget = SlugReference(self.resolve_task, allow_empty=True)
        self.fields["to_task"].widget = SlugReference(self.resolve_task, allow_empty=True)

    def prefetch(self, dataset):
        self.prefetch_workflows(self.column_values(dataset, "workflow"))
        workflows = list(self.workflows.values())
        self.tasks = {
            (task.workflow_id, task.slug): task for task in access.tasks_for(self.user).filter(workflow__in=workflows)
        }
        by_pk = {workflow.pk: workflow for workflow in workflows}
        tasks_by_pk = {task.pk: task for task in self.tasks.values()}
        self.transitions = {}
        for transition in access.transitions_for(self.user).filter(
            workflow__in=workflows, slug__in=self.column_values(dataset, "slug")
        ):
            # Its workflow and tasks are read above already (the preview diff reads them).
            transition.workflow = by_pk[transition.workflow_id]
            for end in ("from_task", "to_task"):
                task = tasks_by_pk.get(getattr(transition, f"{end}_id"))
                if task is not None:
                    setattr(transition, end, task)
            self.transitions[(transition.workflow_id, transition.slug)] = transition

    def resolve_task(self, slug: str, row: dict):
        try:
            workflow = self.row_workflow(row)
        except ValueError:
            raise ValueError(_("The workflow of this row was not found."))
        task = self.tasks.get((workflow.pk, slug))
        if task is None:
            raise ValueError(_('Workflow "%(wf)s" has no task "%(slug)s".') % {"wf": workflow.slug, "slug": slug})
        return task

    def find_stored(self, row):
        slug = str(row.get("slug") or "").strip()
        if not slug:
            return None
        try:
            workflow = self.row_workflow(row)
        except ValueError:
            return None
        return self.transitions.get((workflow.pk, slug))
