"""Workflow definitions: a company's processes, versioned, each a draft until published."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from users.models import Company
from workflow_design.models.choices import DefinitionStatus
from workflow_design.models.common import (
    CompanyVersionedDefinition,
    CompanyVersionedManager,
    _empty_list,
    _raise_collected,
    file_permissions,
    revision_field,
    valid_status,
)
from workflow_design.rules.field_schemas import field_list_errors, field_names
from workflow_design.rules.structured_fields import ext_ref_errors, layout_errors


class WorkflowDefinitionQuerySet(models.QuerySet["WorkflowDefinition"]):
    def drafts(self) -> WorkflowDefinitionQuerySet:
        return self.filter(status=DefinitionStatus.DRAFT)

    def published(self) -> WorkflowDefinitionQuerySet:
        return self.filter(status=DefinitionStatus.PUBLISHED)


class WorkflowDefinitionManager(CompanyVersionedManager.from_queryset(WorkflowDefinitionQuerySet)):  # type: ignore[misc]
    """Workflows by natural key: their company's slug, their slug and version."""


class WorkflowDefinition(CompanyVersionedDefinition):
    company = models.ForeignKey(Company, verbose_name=_("company"), on_delete=models.PROTECT, related_name="workflows")
    slug = models.SlugField(
        _("slug"), max_length=80, help_text=_("Names the workflow in files and the API; kept across versions.")
    )
    fields = models.JSONField(_("workflow fields"), default=_empty_list, blank=True)
    revision = revision_field(
        help_text=_("Raised by every saved change to the workflow or its parts; detects concurrent edits.")
    )

    objects = WorkflowDefinitionManager()

    slug_fallback = "workflow"

    class Meta:
        verbose_name = _("workflow definition")
        verbose_name_plural = _("workflow definitions")
        ordering = ["title", "-version", "id"]
        permissions = [
            *file_permissions("workflowdefinition", _("workflow definitions")),
            ("publish_workflowdefinition", _("Can publish workflow definitions")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "slug", "version"],
                name="wd_workflow_unique_slug_version_per_company",
                violation_error_message=_("This company already has this version of a workflow with this slug."),
            ),
            models.UniqueConstraint(
                fields=["company", "slug"],
                condition=models.Q(status="draft"),
                name="wd_workflow_one_draft_per_slug",
                violation_error_message=_("This workflow already has a draft version; edit that one."),
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1),
                name="wd_workflow_version_positive",
                violation_error_message=_("Versions start at 1."),
            ),
            valid_status("wd_workflow"),
        ]
        indexes = [
            models.Index(fields=["company", "status"], name="wd_workflow_company_status"),
            # A company's list in its order: pages stop after their rows (access.definitions_for).
            models.Index(fields=["company", "title", "-version", "id"], name="wd_workflow_company_list"),
        ]

    def natural_key(self) -> tuple[str, str, int]:
        return (self.company.slug, self.slug, self.version)

    natural_key.dependencies = ["users.company"]  # type: ignore[attr-defined]

    def clean(self) -> None:
        super().clean()
        names = field_names(self.fields)
        _raise_collected(
            {
                "fields": field_list_errors(self.fields),
                "ext_ref": ext_ref_errors(self.ext_ref),
                "display_layout": layout_errors(self.display_layout, names),
            }
        )
