"""Workflow definitions: a company's processes, versioned, each a draft until published."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from workflow_design.fast.json_columns import JSONField
from workflow_design.models import common
from workflow_design.models.choices import DefinitionStatus
from workflow_design.rules.field_schemas import field_list_errors, field_names
from workflow_design.rules.structured_fields import ext_ref_errors, layout_errors


class WorkflowDefinitionQuerySet(models.QuerySet["WorkflowDefinition"]):
    def drafts(self) -> WorkflowDefinitionQuerySet:
        return self.filter(status=DefinitionStatus.DRAFT)

    def published(self) -> WorkflowDefinitionQuerySet:
        return self.filter(status=DefinitionStatus.PUBLISHED)


class WorkflowDefinitionManager(common.CompanyVersionedManager.from_queryset(WorkflowDefinitionQuerySet)):  # type: ignore[misc]
    """Workflows by natural key: their company's slug, their slug and version."""


REVISION_HELP = _("Raised by every saved change to the workflow or its parts; detects concurrent edits.")


class WorkflowDefinition(common.CompanyVersionedDefinition):
    company = common.company_field("workflows")
    slug = models.SlugField(
        _("slug"), max_length=80, help_text=_("Names the workflow in files and the API; kept across versions.")
    )
    fields = JSONField(_("workflow fields"), default=common._empty_list, blank=True)
    revision = common.revision_field(help_text=REVISION_HELP)

    objects = WorkflowDefinitionManager()

    class Meta(common.CompanyVersionedDefinition.Meta):
        verbose_name = _("workflow definition")
        permissions = [
            *common.file_permissions("workflowdefinition", _("workflow definitions")),
            ("publish_workflowdefinition", _("Can publish workflow definitions")),
        ]
        constraints = [
            *common.versioned_constraints(
                "wd_workflow",
                clash=_("This company already has this version of a workflow with this slug."),
                second_draft=_("This workflow already has a draft version; edit that one."),
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1),
                name="wd_workflow_version_positive",
                violation_error_message=_("Versions start at 1."),
            ),
            common.valid_status("wd_workflow"),
        ]
        indexes = [
            models.Index(fields=["company", "status"], name="wd_workflow_company_status"),
            # A company's list in its order: pages stop after their rows (access.definitions_for).
            models.Index(fields=["company", "title", "-version", "id"], name="wd_workflow_company_list"),
        ]

    def clean(self) -> None:
        super().clean()
        names = field_names(self.fields)
        common._raise_collected(
            {
                "fields": field_list_errors(self.fields),
                "ext_ref": ext_ref_errors(self.ext_ref),
                "display_layout": layout_errors(self.display_layout, names),
            }
        )
