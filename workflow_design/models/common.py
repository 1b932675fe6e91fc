"""Pieces the definition models share: fields declared alike, and the behaviour of workflows and
ticket definitions (versioned by company) and of workflow parts (tasks, transitions)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ticketflower.text_hygiene import CleanText
from users.models import Company
from workflow_design.fast.json_columns import JSONField
from workflow_design.models.choices import DefinitionStatus
from workflow_design.models.slugs import SluggedDefinition, company_version_scope


def _empty_list() -> list:
    return []


def _raise_collected(errors: dict[str, list[str]]) -> None:
    errors = {field: messages for field, messages in errors.items() if messages}
    if errors:
        raise ValidationError(errors)


def definition_company_id(obj: models.Model) -> int | None:
    """The company that owns a definition."""
    return getattr(obj, "company_id", None)


# Fields several definitions declare alike. Each call makes a new field, declared where it is
# called, so every model keeps its own order of fields and its migrations see no change.


def status_field() -> models.CharField:
    return models.CharField(
        _("status"), max_length=16, choices=DefinitionStatus.choices, default=DefinitionStatus.DRAFT
    )


def revision_field(*, help_text: str) -> models.PositiveIntegerField:
    """The concurrency token of a workflow (its parts included) or a ticket definition."""
    return models.PositiveIntegerField(_("revision"), default=1, editable=False, help_text=help_text)


def company_field(related_name: str, **options) -> models.ForeignKey:
    """The company a definition belongs to; a company with definitions cannot be deleted."""
    return models.ForeignKey(Company, models.PROTECT, verbose_name=_("company"), related_name=related_name, **options)


def optional_reference(
    to: type[models.Model] | str, label: str, related_name: str, help_text: str, on_delete=models.CASCADE
) -> models.ForeignKey:
    """A foreign key that may be empty (a task's role, a transition's ends)."""
    options = {"null": True, "blank": True, "related_name": related_name, "help_text": help_text}
    return models.ForeignKey(to, on_delete, verbose_name=label, **options)


def file_permissions(model_name: str, plural: str) -> list[tuple[str, str]]:
    """The import and export permissions every definition model declares beside Django's four."""
    return [
        (f"import_{model_name}", format_lazy(_("Can import {}"), plural)),
        (f"export_{model_name}", format_lazy(_("Can export {}"), plural)),
    ]


def unique_in_workflow(prefix: str, message: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["workflow", "slug"], name=f"{prefix}_unique_slug_per_workflow", violation_error_message=message
    )


def valid_status(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=models.Q(status__in=DefinitionStatus.values), name=f"{prefix}_status_valid")


def created_by_field() -> models.ForeignKey:
    fixed = {"null": True, "blank": True, "editable": False}
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, verbose_name=_("created by"), related_name="+", **fixed
    )


def versioned_constraints(prefix: str, *, clash: str, second_draft: str) -> list[models.UniqueConstraint]:
    """A company's slug names one definition per version, and at most one draft."""
    return [
        models.UniqueConstraint(
            fields=["company", "slug", "version"],
            name=f"{prefix}_unique_slug_version_per_company",
            violation_error_message=clash,
        ),
        models.UniqueConstraint(
            fields=["company", "slug"],
            condition=models.Q(status=DefinitionStatus.DRAFT),
            name=f"{prefix}_one_draft_per_slug",
            violation_error_message=second_draft,
        ),
    ]


class CompanyOfWorkflow:
    """For rows that name a workflow (tasks, ticket definitions): one made without its company
    (the ORM, a script, a data migration) belongs to its workflow's."""

    def save(self, *args, **kwargs) -> None:
        if self.company_id is None and self.workflow_id is not None:  # type: ignore[attr-defined]
            self.company_id = self.workflow.company_id  # type: ignore[attr-defined]
        super().save(*args, **kwargs)  # type: ignore[misc]


class CompanyVersionedManager(models.Manager):
    def get_by_natural_key(self, company_slug: str, slug: str, version: int):
        return self.get(company__slug=company_slug, slug=slug, version=version)


class CompanyVersionedDefinition(CleanText, SluggedDefinition):
    """Workflows and ticket definitions: a company's, by slug and version, editable while a draft.

    Each declares its own company, slug, fields and revision (their help texts differ)."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    ext_ref = JSONField(_("external references"), default=_empty_list, blank=True)
    display_layout = JSONField(_("display layout"), default=_empty_list, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    status = status_field()
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    created_by = created_by_field()

    class Meta:
        abstract = True
        ordering = ["title", "-version", "id"]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"  # type: ignore[attr-defined]

    # Serializers order rows by their foreign keys to models with natural keys; no
    # `natural_key.dependencies` are needed on top.
    def natural_key(self) -> tuple[str, str, int]:
        return (self.company.slug, self.slug, self.version)  # type: ignore[attr-defined]

    def slug_scope(self) -> models.QuerySet:
        return company_version_scope(self)

    @property
    def is_editable(self) -> bool:
        return self.status == DefinitionStatus.DRAFT  # type: ignore[attr-defined]


class WorkflowPartManager(models.Manager):
    def get_by_natural_key(self, company_slug: str, workflow_slug: str, version: int, slug: str):
        return self.get(
            workflow__company__slug=company_slug, workflow__slug=workflow_slug, workflow__version=version, slug=slug
        )


class WorkflowPart(CleanText, SluggedDefinition):
    """Tasks and transitions: parts of one workflow, by slug inside it, editable while it is."""

    class Meta:
        abstract = True

    def slug_scope(self) -> models.QuerySet:
        return type(self)._default_manager.filter(workflow_id=self.workflow_id)  # type: ignore[attr-defined]

    @property
    def is_editable(self) -> bool:
        return self.workflow.is_editable  # type: ignore[attr-defined]
