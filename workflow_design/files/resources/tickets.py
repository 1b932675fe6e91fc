"""Ticket definitions in per-model files: one row a ticket type, by slug and version."""

from __future__ import annotations

from import_export import fields

from workflow_design import access
from workflow_design.files.bundles import TICKET_KEYS, of_company
from workflow_design.files.cells import SlugReference
from workflow_design.files.resources.base import SlugVersions
from workflow_design.files.resources.kinds import VersionedResource
from workflow_design.models import TicketDefinition


class TicketResource(VersionedResource):
    workflow = fields.Field(attribute="workflow", column_name="workflow")
    workflow_version = fields.Field(column_name="workflow_version", readonly=True)

    extra_columns = ("workflow_version",)
    create_fields = ("version", "workflow", *TICKET_KEYS)

    class Meta:
        model = TicketDefinition
        fields = (
            "slug",
            "version",
            "title",
            "description",
            "ext_ref",
            "workflow",
            "workflow_version",
            "fields",
            "company_role_access",
            "edit_layout",
            "display_layout",
        )
        export_order = fields
        import_id_fields = ("slug",)
        skip_unchanged = True
        report_skipped = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fields["workflow"].widget = SlugReference(self.resolve_workflow)

    def prefetch(self, dataset):
        self.prefetch_workflows(self.column_values(dataset, "workflow"))
        visible = of_company(visible=access.tickets_for(self.user), company=self.company)
        self.versions = SlugVersions(visible.filter(slug__in=self.column_values(dataset, "slug")))
