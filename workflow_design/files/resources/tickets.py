"""Ticket definitions in per-model files: one row a ticket type, by slug and version."""

from __future__ import annotations

from import_export import fields

from workflow_design import access, services
from workflow_design.files.bundles import TICKET_KEYS, of_company
from workflow_design.files.cells import SlugReference, WholeNumberCell
from workflow_design.files.resources.base import DesignResource
from workflow_design.models import DefinitionStatus, TicketDefinition


class TicketResource(DesignResource):
    version = fields.Field(attribute="version", column_name="version", widget=WholeNumberCell(default=0))
    workflow = fields.Field(attribute="workflow", column_name="workflow")
    workflow_version = fields.Field(column_name="workflow_version", readonly=True)

    extra_columns = ("workflow_version",)
    identity_fields = ("slug", "version")
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
        self.tickets: dict[tuple[str, int], TicketDefinition] = {}
        self.ticket_drafts: dict[str, TicketDefinition] = {}
        self.ticket_latest: dict[str, int] = {}
        visible = of_company(visible=access.tickets_for(self.user), company=self.company)
        for ticket in visible.filter(slug__in=self.column_values(dataset, "slug")):
            self.ticket_latest[ticket.slug] = max(self.ticket_latest.get(ticket.slug, 0), ticket.version)
            self.tickets[(ticket.slug, ticket.version)] = ticket
            if ticket.status == DefinitionStatus.DRAFT:
                self.ticket_drafts[ticket.slug] = ticket

    def find_stored(self, row):
        slug = str(row.get("slug") or "").strip()
        version = WholeNumberCell(default=0).clean(row.get("version"))
        return self.tickets.get((slug, version)) if version else self.ticket_drafts.get(slug)

    def init_instance(self, row=None):
        return TicketDefinition(company=self.company)

    def after_init_instance(self, instance, new, row, **kwargs):
        if new and not WholeNumberCell(default=0).clean(row.get("version")):
            instance.version = self.ticket_latest.get(str(row.get("slug") or "").strip(), 0) + 1
            row["version"] = instance.version

    def create_row(self, data):
        return services.ticket_create(user=self.user, company=self.company, **data)

    def update_row(self, stored, data):
        services.ticket_update(ticket=stored, user=self.user, **data)
