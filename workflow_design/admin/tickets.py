"""The ticket definition admin: the ticket form, its layouts and the company roles with access."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from users import access as user_access
from workflow_design.admin.designer import (
    DesignerAdminMixin,
    WorkflowListFilter,
    json_schema_html,
)
from workflow_design.admin.forms import TicketDefinitionForm
from workflow_design.admin.scoping import DesignModelAdmin
from workflow_design.admin.transfer import TicketTransferAdminMixin
from workflow_design.models import TicketDefinition


def role_choices(request, company_id: int | None) -> list[tuple[str, str]]:
    """The company roles a ticket type may give access to, by slug (one per slug)."""
    roles = (
        user_access.company_roles_of(company_id)
        if company_id is not None
        else user_access.company_roles_visible_to(request.user)
    )
    seen: dict[str, str] = {}
    for role in roles.order_by("name"):
        seen.setdefault(role.slug, role.name)
    return list(seen.items())


@admin.register(TicketDefinition)
class TicketDefinitionAdmin(TicketTransferAdminMixin, DesignerAdminMixin, DesignModelAdmin):
    form = TicketDefinitionForm
    list_display = ("title", "slug", "workflow", "version", "status", "updated_at")
    list_filter = ("status", WorkflowListFilter)
    list_select_related = ("workflow",)
    search_fields = ("title", "slug", "description", "workflow__title")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("fields_json_schema", "version", "status", "created_by", "created_at", "updated_at")

    def designer_fieldsets(self, request, obj=None):
        fieldsets = [
            (
                None,
                {
                    "fields": (
                        ("title", "slug"),
                        "workflow",
                        "description",
                        "company_role_access",
                        *(("opened_revision",) if obj is not None else ()),
                    )
                },
            ),
            (_("Ticket form"), {"fields": ("fields", "fields_json_schema")}),
            (_("Layouts"), {"fields": ("edit_layout", "display_layout")}),
            (_("External references"), {"classes": ("collapse",), "fields": ("ext_ref",)}),
        ]
        if obj is not None:
            fieldsets.append(
                (_("Version"), {"fields": (("version", "status"), ("created_by", "created_at", "updated_at"))})
            )
        return fieldsets

    def designer_form_kwargs(self, request, obj) -> dict:
        if obj is not None:
            company_id = obj.company_id
        elif request.user.is_superuser:
            company_id = None  # the company is picked on the form: every visible role is offered
        else:
            company_id = self.policy.company_for_new(request.user).pk
        return {"role_choices": role_choices(request, company_id)}

    @admin.display(description=_("JSON Schema of the ticket form"))
    def fields_json_schema(self, obj):
        return json_schema_html(obj.fields, obj.title) if obj and obj.pk else "—"
