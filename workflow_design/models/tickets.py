"""Ticket definitions: the ticket types a company's people submit, each run by a workflow."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from users.models import Company, CompanyRole
from workflow_design.models.common import (
    CompanyVersionedDefinition,
    CompanyVersionedManager,
    _empty_list,
    _raise_collected,
    file_permissions,
    revision_field,
    valid_status,
)
from workflow_design.models.workflows import WorkflowDefinition
from workflow_design.rules.field_schemas import field_list_errors, field_names
from workflow_design.rules.structured_fields import ext_ref_errors, layout_errors, role_access_errors


class TicketDefinitionManager(CompanyVersionedManager["TicketDefinition"]):
    """Ticket definitions by natural key: their company's slug, their slug and version."""


class TicketDefinition(CompanyVersionedDefinition):
    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.PROTECT, related_name="ticket_definitions"
    )
    slug = models.SlugField(_("slug"), max_length=80)
    workflow = models.ForeignKey(
        WorkflowDefinition, verbose_name=_("workflow"), on_delete=models.PROTECT, related_name="ticket_definitions"
    )
    fields = models.JSONField(_("ticket fields"), default=_empty_list, blank=True)
    company_role_access = models.JSONField(
        _("company roles with access"),
        default=_empty_list,
        blank=True,
        help_text=_("Slugs of the company roles that may submit and see tickets of this type."),
    )
    edit_layout = models.JSONField(_("edit layout"), default=_empty_list, blank=True)
    revision = revision_field(
        help_text=_("Raised by every saved change to the ticket definition; detects concurrent edits.")
    )

    objects = TicketDefinitionManager()

    slug_fallback = "ticket"

    class Meta:
        verbose_name = _("ticket definition")
        verbose_name_plural = _("ticket definitions")
        ordering = ["title", "-version", "id"]
        permissions = file_permissions("ticketdefinition", _("ticket definitions"))
        constraints = [
            models.UniqueConstraint(
                fields=["company", "slug", "version"],
                name="wd_ticket_unique_slug_version_per_company",
                violation_error_message=_(
                    "This company already has this version of a ticket definition with this slug."
                ),
            ),
            models.UniqueConstraint(
                fields=["company", "slug"],
                condition=models.Q(status="draft"),
                name="wd_ticket_one_draft_per_slug",
                violation_error_message=_("This ticket definition already has a draft version; edit that one."),
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="wd_ticket_version_positive"),
            valid_status("wd_ticket"),
        ]
        # A company's list in its order: pages stop after their rows (access.definitions_for).
        indexes = [models.Index(fields=["company", "title", "-version", "id"], name="wd_ticket_company_list")]

    def natural_key(self) -> tuple[str, str, int]:
        return (self.company.slug, self.slug, self.version)

    natural_key.dependencies = ["workflow_design.workflowdefinition"]  # type: ignore[attr-defined]

    def save(self, *args, **kwargs) -> None:
        # A row made without its company (the ORM, a script) belongs to its workflow's.
        if self.company_id is None and self.workflow_id is not None:
            self.company_id = self.workflow.company_id
        super().save(*args, **kwargs)

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
        _raise_collected(errors)
