"""Task definitions in per-model files: one row a task, by its workflow's slug and its own."""

from __future__ import annotations

from django.utils.translation import gettext as _
from import_export import fields

from users import access as user_access
from workflow_design import access
from workflow_design.files.bundles import TASK_KEYS, of_company
from workflow_design.files.cells import SlugReference, WholeNumberCell
from workflow_design.files.resources.kinds import PartResource
from workflow_design.models import TaskDefinition

# A task's row: its workflow by slug (and version, when not the draft), then what a bundle says of it.
TASK_COLUMNS = ("workflow", "workflow_version", *TASK_KEYS)


class TaskResource(PartResource):
    assignee_role = fields.Field(attribute="assignee_role", column_name="assignee_role")
    position = fields.Field(attribute="position", column_name="position", widget=WholeNumberCell(default=0))

    create_fields = ("workflow", *TASK_KEYS)  # a task's own fields: the ones a bundle carries

    class Meta:
        model = TaskDefinition
        fields = TASK_COLUMNS
        export_order = fields
        import_id_fields = ("workflow", "slug")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fields["assignee_role"].widget = SlugReference(self.resolve_role, allow_empty=True)

    def prefetch(self, dataset):
        self.prefetch_workflows(self.column_values(dataset, "workflow"))
        workflows = {workflow.pk: workflow for workflow in self.workflows.values()}
        self.tasks = {}
        for task in (
            access.tasks_for(self.user)
            .filter(workflow__in=list(workflows.values()), slug__in=self.column_values(dataset, "slug"))
            .select_related("assignee_role")
        ):
            # Its workflow is one read above: the preview diff of a changed row reads it, and
            # would otherwise load it again, row after row.
            task.workflow = workflows[task.workflow_id]
            self.tasks[(task.workflow_id, task.slug)] = task
        self.roles = {
            role.slug: role
            for role in of_company(
                visible=user_access.company_roles_visible_to(self.user), company=self.company
            ).filter(slug__in=self.column_values(dataset, "assignee_role"))
        }

    def resolve_role(self, slug: str, row: dict):
        role = self.roles.get(slug)
        if role is None:
            raise ValueError(_('Your company has no role "%(slug)s".') % {"slug": slug})
        return role

    def find_stored(self, row):
        try:
            workflow = self.row_workflow(row)
        except ValueError:
            return None  # reported on the workflow column by the field itself
        return self.tasks.get((workflow.pk, str(row.get("slug") or "").strip()))
