"""Workflow definitions in per-model files: one row a workflow, by slug and version."""

from __future__ import annotations

from import_export import fields

from workflow_design import services
from workflow_design.files.cells import WholeNumberCell
from workflow_design.files.resources.base import DesignResource
from workflow_design.models import WorkflowDefinition

WORKFLOW_COLUMNS = ("slug", "version", "title", "description", "ext_ref", "fields", "display_layout")


class WorkflowResource(DesignResource):
    version = fields.Field(attribute="version", column_name="version", widget=WholeNumberCell(default=0))

    identity_fields = ("slug", "version")
    create_fields = WORKFLOW_COLUMNS

    class Meta:
        model = WorkflowDefinition
        fields = WORKFLOW_COLUMNS
        export_order = fields
        import_id_fields = ("slug",)
        skip_unchanged = True
        report_skipped = True

    def prefetch(self, dataset):
        self.prefetch_workflows(self.column_values(dataset, "slug"))

    def find_stored(self, row):
        slug = str(row.get("slug") or "").strip()
        version = WholeNumberCell(default=0).clean(row.get("version"))
        return self.workflows.get((slug, version)) if version else self.newest_draft.get(slug)

    def init_instance(self, row=None):
        return WorkflowDefinition(company=self.company)

    def after_init_instance(self, instance, new, row, **kwargs):
        if new and not WholeNumberCell(default=0).clean(row.get("version")):
            # No version named and no draft: the next version after the newest one.
            instance.version = self.latest_version.get(str(row.get("slug") or "").strip(), 0) + 1
            row["version"] = instance.version

    def create_row(self, data):
        created = services.workflow_create(user=self.user, company=self.company, **data)
        # A later row of the file may name it by its version.
        self.workflows[(created.slug, created.version)] = created
        return created

    def update_row(self, stored, data):
        services.workflow_update(workflow=stored, user=self.user, **data)
