"""Shapes of the workflow design API.

Serializers only check the shape of the input; every model rule (field lists, layouts, CEL
conditions, company of related objects, uniqueness, read-only published versions) is checked by
`workflow_design.services`, exactly as for the admin. Related objects are looked up among the
rows the permission policy lets the user see or change, so another company's id is "does not
exist".
"""

from __future__ import annotations

from typing import Any

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
    expected_revision_field,
)
from workflow_design.fast.api_rows import RowListSerializer
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition
from workflow_design.policy import Action, task_policy, workflow_policy
from workflow_design.rules.field_schemas import field_list_to_json_schema


def _workflows_to_change(user):
    return workflow_policy.instances_user_has_permission_for(user, Action.CHANGE)


def _workflows_visible(user):
    return workflow_policy.instances_user_has_permission_for(user, Action.VIEW)


def _tasks_visible(user):
    return task_policy.instances_user_has_permission_for(user, Action.VIEW)


def _json_schema(fields, title: str) -> dict[str, Any] | None:
    try:
        return field_list_to_json_schema(fields, title=title)
    except (KeyError, TypeError, AttributeError):  # a stored list that no longer validates
        return None


JSON_SCHEMA_HELP = _("JSON Schema (draft 2020-12) generated from the field list.")


# What the server keeps on a workflow or ticket definition: read-only, listed after its own fields.
VERSION_FIELDS = ["version", "status", "published_at", "revision", "created_by", "created_at", "updated_at"]
# The same for a task, which has no publication time or revision of its own (its workflow's count).
TASK_VERSION_FIELDS = ["version", "status", "created_by", "created_at", "updated_at"]


# Each definition serializer's Meta extends `DefinitionSerializer.Meta`, which names
# `RowListSerializer`, so lists (`many=True`) are written by it. (Not said in the docstring
# below: drf-spectacular publishes it in the OpenAPI schema.)
class DefinitionSerializer(serializers.ModelSerializer):
    """Common base: no model-level validators here (Meta.validators = []); the services run every rule."""

    class Meta:
        validators: list = []
        list_serializer_class = RowListSerializer


# Workflows and ticket definitions: a company's, versioned, with a field list, its layouts and
# external references. (A comment, not a docstring: the OpenAPI schema keeps the base's.)
class VersionedDefinitionSerializer(DefinitionSerializer):
    ext_ref = ExtRefField(required=False)
    fields = FieldListField(required=False)
    display_layout = LayoutField(required=False)

    class Meta(DefinitionSerializer.Meta):
        read_only_fields = ["company", *VERSION_FIELDS]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_fields_json_schema(self, obj) -> dict[str, Any] | None:
        return _json_schema(obj.fields, obj.title)


class WorkflowSerializer(VersionedDefinitionSerializer):
    fields_json_schema = serializers.SerializerMethodField(help_text=JSON_SCHEMA_HELP)
    expected_revision = expected_revision_field()

    class Meta(VersionedDefinitionSerializer.Meta):
        model = WorkflowDefinition
        fields = [
            "id",
            "company",
            "title",
            "slug",
            "description",
            "ext_ref",
            "fields",
            "display_layout",
            *VERSION_FIELDS,
            "fields_json_schema",
            "expected_revision",
        ]


class TaskSerializer(DefinitionSerializer):
    workflow = ScopedPrimaryKeyField(
        WorkflowDefinition, _workflows_to_change, help_text=_("A draft workflow of your company.")
    )
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
        fields = [
            "id",
            "company",
            "workflow",
            "title",
            "slug",
            "description",
            "task_type",
            "position",
            "assignee_role",
            "input_schema",
            "output_schema",
            *TASK_VERSION_FIELDS,
            "input_json_schema",
            "output_json_schema",
            "expected_revision",
        ]
        read_only_fields = ["company", *TASK_VERSION_FIELDS]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_input_json_schema(self, obj) -> dict[str, Any] | None:
        return _json_schema(obj.input_schema, f"{obj.title}: input")

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_output_json_schema(self, obj) -> dict[str, Any] | None:
        return _json_schema(obj.output_schema, f"{obj.title}: output")


class NestedTaskSerializer(TaskSerializer):
    """A task under /workflows/<id>/tasks/: the workflow comes from the address."""

    workflow = serializers.PrimaryKeyRelatedField(read_only=True)


class TransitionSerializer(DefinitionSerializer):
    workflow = ScopedPrimaryKeyField(
        WorkflowDefinition, _workflows_to_change, help_text=_("A draft workflow of your company.")
    )
    slug = serializers.SlugField(
        max_length=120, required=False, allow_blank=True, help_text=_("Made from the tasks when left empty.")
    )
    from_task = ScopedPrimaryKeyField(
        TaskDefinition, _tasks_visible, required=False, allow_null=True, help_text=_("Empty: a start transition.")
    )
    to_task = ScopedPrimaryKeyField(
        TaskDefinition, _tasks_visible, required=False, allow_null=True, help_text=_("Empty: ends the workflow.")
    )
    expected_revision = expected_revision_field()

    class Meta(DefinitionSerializer.Meta):
        model = WorkflowTransition
        fields = [
            "id",
            "workflow",
            "slug",
            "from_task",
            "to_task",
            "condition",
            "priority",
            "status",
            "created_at",
            "updated_at",
            "expected_revision",
        ]
        read_only_fields = ["status", "created_at", "updated_at"]


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
        fields = [
            "id",
            "company",
            "workflow",
            "title",
            "slug",
            "description",
            "ext_ref",
            "fields",
            "company_role_access",
            "edit_layout",
            "display_layout",
            *VERSION_FIELDS,
            "json_schema",
            "expected_revision",
        ]


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
    errors = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))


class BundleUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("A bundle file (.json) as exported."))
