"""Workflow definitions in per-model files: one row a workflow, by slug and version."""

from __future__ import annotations

from workflow_design.files.resources.kinds import VersionedResource
from workflow_design.models import WorkflowDefinition

WORKFLOW_COLUMNS = ("slug", "version", "title", "description", "ext_ref", "fields", "display_layout")


class WorkflowResource(VersionedResource):
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
        self.versions = self.workflow_versions

    def create_row(self, data):
        created = super().create_row(data)
        # A later row of the file may name it by its version.
        self.workflows[(created.slug, created.version)] = created
        return created
