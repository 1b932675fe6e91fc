"""Shapes of the workflow design API.

Serializers only check the shape of the input; every model rule (field lists, layouts, CEL
conditions, company of related objects, uniqueness, read-only published versions) is checked by
`workflow_design.services`, exactly as for the admin. Related objects are looked up among the
rows the permission policy lets the user see or change, so another company's id is "does not
exist".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from users import access as user_access
from users.models import CompanyRole
from workflow_design.api.fields import (
    COMPANY_OF_NEW_DEFINITION_HELP,
    TICKET_REVISION_HELP,
    CompanyOfNewDefinitionField,
    ExtRefField,
    FieldListField,
    LayoutField,
    RoleSlugListField,
    ScopedPrimaryKeyField,
    TaskReferenceField,
    TaskSlug,
    expected_revision_field,
    optional_slug_field,
)
from workflow_design.fast.api_json_schemas import json_schema_of
from workflow_design.fast.api_rows import RowListSerializer
from workflow_design.files.bundles import TASK_KEYS, TICKET_KEYS, WORKFLOW_KEYS
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition
from workflow_design.policy import Action, task_policy, workflow_policy


def _workflows_to_change(user):
    return workflow_policy.instances_user_has_permission_for(user, Action.CHANGE)


def _workflows_visible(user):
    return workflow_policy.instances_user_has_permission_for(user, Action.VIEW)


def _tasks_visible(user):
    return task_policy.instances_user_has_permission_for(user, Action.VIEW)


def _json_schema(fields, title: str, language: str | None) -> dict[str, Any] | None:
    try:
        return json_schema_of(fields, title, language=language)
    except (KeyError, TypeError, AttributeError):  # a stored list that no longer validates
        return None


JSON_SCHEMA_HELP = _(
    "JSON Schema (draft 2020-12) generated from the field list; sent back as the field list, it gives the same form."
)


# What the server keeps on a workflow or ticket definition: read-only, listed after its own fields.
VERSION_FIELDS = ["version", "status", "published_at", "revision", "created_by", "created_at", "updated_at"]
# The same for a task, which has no publication time or revision of its own (its workflow's count).
TASK_VERSION_FIELDS = ["version", "status", "created_by", "created_at", "updated_at"]


def _definition_fields(
    *own: str, version_fields: Sequence[str] = VERSION_FIELDS, computed: Sequence[str] = ()
) -> list[str]:
    """A definition's fields in the order the API shows them: its id and company, its own (the keys
    of its bundle entry), what the server keeps, what is computed from it, and the revision a
    change expects."""
    return ["id", "company", *own, *version_fields, *computed, "expected_revision"]


# Each definition serializer's Meta extends `DefinitionSerializer.Meta`, which names
# `RowListSerializer`, so lists (`many=True`) are written by it. (Not said in the docstring
# below: drf-spectacular publishes it in the OpenAPI schema.)
class DefinitionSerializer(serializers.ModelSerializer):
    """Common base: no model-level validators here (Meta.validators = []); the services run every rule."""

    class Meta:
        validators: list = []
        list_serializer_class = RowListSerializer

    def build_standard_field(self, field_name, model_field):
        # The browsable API's forms offer the model's defaults (a priority of 100, not `null`),
        # so that a form posted as offered is accepted.
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if model_field.has_default():
            kwargs.setdefault("initial", model_field.default)
        return field_class, kwargs

    @cached_property
    def output_language(self) -> str | None:
        """The language the answer is written in, read once: a list's rows share one serializer."""
        return get_language()


# Workflows and ticket definitions: a company's, versioned, with a field list, its layouts and
# external references. (A comment, not a docstring: the OpenAPI schema keeps the base's.)
class VersionedDefinitionSerializer(DefinitionSerializer):
    slug = optional_slug_field(80)
    ext_ref = ExtRefField(required=False)
    fields = FieldListField(required=False)
    display_layout = LayoutField(required=False)

    class Meta(DefinitionSerializer.Meta):
        read_only_fields = ["company", *VERSION_FIELDS]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_fields_json_schema(self, obj) -> dict[str, Any] | None:
        return _json_schema(obj.fields, obj.title, self.output_language)


class WorkflowSerializer(VersionedDefinitionSerializer):
    fields_json_schema = serializers.SerializerMethodField(help_text=JSON_SCHEMA_HELP)
    expected_revision = expected_revision_field()

    class Meta(VersionedDefinitionSerializer.Meta):
        model = WorkflowDefinition
        fields = _definition_fields(*WORKFLOW_KEYS, computed=["fields_json_schema"])


class TaskSerializer(DefinitionSerializer):
    workflow = ScopedPrimaryKeyField(
        WorkflowDefinition, _workflows_to_change, help_text=_("A draft workflow of your company.")
    )
    slug = optional_slug_field(80)
    assignee_role = ScopedPrimaryKeyField(
        CompanyRole, user_access.company_roles_visible_to, required=False, allow_null=True
    )
    input_schema = FieldListField(required=False)
    output_schema = FieldListField(required=False)
    input_json_schema = serializers.SerializerMethodField(help_text=JSON_SCHEMA_HELP)
    output_json_schema = serializers.SerializerMethodField(help_text=JSON_SCHEMA_HELP)
    expected_revision = expected_revision_field()

    class Meta(DefinitionSerializer.Meta):
        model = TaskDefinition
        fields = _definition_fields(
            "workflow",
            *TASK_KEYS,
            version_fields=TASK_VERSION_FIELDS,
            computed=["input_json_schema", "output_json_schema"],
        )
        read_only_fields = ["company", *TASK_VERSION_FIELDS]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_input_json_schema(self, obj) -> dict[str, Any] | None:
        return _json_schema(obj.input_schema, f"{obj.title}: input", self.output_language)

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_output_json_schema(self, obj) -> dict[str, Any] | None:
        return _json_schema(obj.output_schema, f"{obj.title}: output", self.output_language)


class NestedTaskSerializer(TaskSerializer):
    """A task under /workflows/<id>/tasks/: the workflow comes from the address."""

    workflow = serializers.PrimaryKeyRelatedField(read_only=True)


class TransitionSerializer(DefinitionSerializer):
    workflow = ScopedPrimaryKeyField(
        WorkflowDefinition, _workflows_to_change, help_text=_("A draft workflow of your company.")
    )
    slug = optional_slug_field(120, _("Made from the tasks when left out or empty."))
    from_task = TaskReferenceField(
        TaskDefinition,
        _tasks_visible,
        required=False,
        allow_null=True,
        help_text=_("A task id or slug; empty: a start transition."),
    )
    to_task = TaskReferenceField(
        TaskDefinition,
        _tasks_visible,
        required=False,
        allow_null=True,
        help_text=_("A task id or slug; empty: ends the workflow."),
    )
    from_task_slug = serializers.SerializerMethodField(help_text=_("The slug of `from_task`; null at a start."))
    to_task_slug = serializers.SerializerMethodField(help_text=_("The slug of `to_task`; null at an end."))
    expected_revision = expected_revision_field()

    class Meta(DefinitionSerializer.Meta):
        model = WorkflowTransition
        fields = [
            "id",
            "workflow",
            "slug",
            "from_task",
            "to_task",
            "from_task_slug",
            "to_task_slug",
            "condition",
            "priority",
            "status",
            "created_at",
            "updated_at",
            "expected_revision",
        ]
        read_only_fields = ["status", "created_at", "updated_at"]

    def get_from_task_slug(self, obj) -> str | None:
        return _end_slug(obj, "from_task")

    def get_to_task_slug(self, obj) -> str | None:
        return _end_slug(obj, "to_task")

    def validate(self, attrs):
        """Tasks named by slug are looked up in the transition's workflow, among visible tasks."""
        named = {end: attrs[end] for end in ("from_task", "to_task") if isinstance(attrs.get(end), TaskSlug)}
        if not named:
            return attrs
        workflow = self.transition_workflow(attrs)
        found = {
            task.slug: task
            for task in _tasks_visible(self.context["request"].user).filter(workflow=workflow, slug__in=named.values())
        }
        errors = {}
        for end, slug in named.items():
            if slug in found:
                attrs[end] = found[slug]
            else:
                errors[end] = [_("The workflow has no task with the slug %(slug)s.") % {"slug": slug}]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def transition_workflow(self, attrs):
        """The workflow the transition is (or goes) in: sent, stored, or (nested) the address's."""
        if "workflow" in attrs:
            return attrs["workflow"]
        if self.instance is not None:
            return self.instance.workflow
        parent = getattr(self.context.get("view"), "parent", None)
        return parent() if parent else None


_NOT_READ = object()


def _end_slug(transition: WorkflowTransition, end: str) -> str | None:
    """The slug of the task at one end: the list's query reads it beside the row (an annotation
    named `<end>_slug`); a single row, or one whose task was just set, reads its task."""
    annotated = vars(transition).get(f"{end}_slug", _NOT_READ)
    if annotated is _NOT_READ or WorkflowTransition._meta.get_field(end).is_cached(transition):
        task = getattr(transition, end)
        return task.slug if task is not None else None
    return annotated


class NestedTransitionSerializer(TransitionSerializer):
    workflow = serializers.PrimaryKeyRelatedField(read_only=True)


class TicketSerializer(VersionedDefinitionSerializer):
    workflow = ScopedPrimaryKeyField(
        WorkflowDefinition,
        _workflows_visible,
        help_text=_("The workflow tickets of this type run through (of your company)."),
    )
    company_role_access = RoleSlugListField(required=False)
    edit_layout = LayoutField(required=False)
    json_schema = serializers.SerializerMethodField(method_name="get_fields_json_schema", help_text=JSON_SCHEMA_HELP)
    expected_revision = expected_revision_field(TICKET_REVISION_HELP)

    class Meta(VersionedDefinitionSerializer.Meta):
        model = TicketDefinition
        fields = _definition_fields("workflow", *TICKET_KEYS, computed=["json_schema"])


class WorkflowCreateSerializer(WorkflowSerializer):
    """A new workflow: as `Workflow`, with the company chosen by a superuser."""

    company = CompanyOfNewDefinitionField(required=False, help_text=COMPANY_OF_NEW_DEFINITION_HELP)


class TicketCreateSerializer(TicketSerializer):
    """A new ticket definition: as `Ticket`, with the company chosen by a superuser."""

    company = CompanyOfNewDefinitionField(required=False, help_text=COMPANY_OF_NEW_DEFINITION_HELP)


# Actions --------------------------------------------------------------------------------


class FindingSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=["error", "warning"])
    code = serializers.CharField()
    message = serializers.CharField()
    object_type = serializers.CharField(help_text=_("workflow, task, transition or ticket_definition"))
    object_slug = serializers.CharField()
    object_id = serializers.IntegerField(allow_null=True)
    pointer = serializers.CharField(
        required=False, help_text=_("JSON Pointer (RFC 6901) into the workflow's bundle (or the bundle sent).")
    )
    hint = serializers.CharField(required=False, help_text=_("What to do, in one line."))
    patch = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text=_("A JSON Patch (RFC 6902) of the bundle that makes the fix, when it is mechanical."),
    )


class LintReportSerializer(serializers.Serializer):
    workflow = serializers.IntegerField()
    ok = serializers.BooleanField(help_text=_("True when there is no error (warnings allowed)."))
    errors = serializers.IntegerField()
    warnings = serializers.IntegerField()
    findings = FindingSerializer(many=True)


class BundleImportQuerySerializer(serializers.Serializer):
    company = CompanyOfNewDefinitionField(
        required=False,
        help_text=_(
            "Superusers only, and required from a superuser without a company: the company to import "
            "into. Anyone else imports into their own company; the value is ignored."
        ),
    )
    dry_run = serializers.BooleanField(required=False, default=False, help_text=_("1: preview only, save nothing."))
    as_new_version = serializers.BooleanField(
        required=False, default=False, help_text=_("1: import as the next version of an existing workflow.")
    )
    create_missing_roles = serializers.BooleanField(
        required=False, default=False, help_text=_("1: create company roles the bundle names but the company lacks.")
    )


class BundleImportResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    dry_run = serializers.BooleanField()
    saved = serializers.BooleanField()
    as_new_version = serializers.BooleanField()
    workflow = serializers.DictField()
    created = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    clashes = serializers.ListField(child=serializers.DictField())
    missing_roles = serializers.ListField(child=serializers.CharField())
    errors = serializers.ListField(child=serializers.DictField())


class BundleUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("A bundle file (.json) as exported."))
