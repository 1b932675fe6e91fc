"""Ticket definitions: the ticket types a company's people submit, each run by a workflow."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from users.models import CompanyRole
from workflow_design.fast.json_columns import JSONField
from workflow_design.models import common
from workflow_design.models.workflows import WorkflowDefinition
from workflow_design.rules.field_schemas import field_list_errors, field_names
from workflow_design.rules.structured_fields import ext_ref_errors, layout_errors, role_access_errors


class TicketDefinitionManager(common.CompanyVersionedManager["TicketDefinition"]):
    """Ticket definitions by natural key: their company's slug, their slug and version."""


REVISION_HELP = _("Raised by every saved change to the ticket definition; detects concurrent edits.")


class TicketDefinition(common.CompanyOfWorkflow, common.CompanyVersionedDefinition):
    company = common.company_field("ticket_definitions")
    slug = models.SlugField(_("slug"), max_length=80)
    workflow = models.ForeignKey(
        WorkflowDefinition, verbose_name=_("workflow"), on_delete=models.PROTECT, related_name="ticket_definitions"
    )
    fields = JSONField(_("ticket fields"), default=common._empty_list, blank=True)
    company_role_access = JSONField(
        _("company roles with access"),
        default=common._empty_list,
        blank=True,
        help_text=_("Slugs of the company roles that may submit and see tickets of this type."),
    )
    edit_layout = JSONField(_("edit layout"), default=common._empty_list, blank=True)
    revision = common.revision_field(help_text=REVISION_HELP)

    objects = TicketDefinitionManager()

    class Meta(common.CompanyVersionedDefinition.Meta):
        verbose_name = _("ticket definition")
        permissions = common.file_permissions("ticketdefinition", _("ticket definitions"))
        constraints = [
            *common.versioned_constraints(
                "wd_ticket",
                clash=_("This company already has this version of a ticket definition with this slug."),
                second_draft=_("This ticket definition already has a draft version; edit that one."),
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="wd_ticket_version_positive"),
            common.valid_status("wd_ticket"),
        ]
        # A company's list in its order: pages stop after their rows (access.definitions_for).
        indexes = [models.Index(fields=["company", "title", "-version", "id"], name="wd_ticket_company_list")]

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
        common._raise_collected(errors)
