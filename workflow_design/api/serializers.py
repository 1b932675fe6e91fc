"""Shapes of the workflow design API.

Serializers only check the shape of the input; every model rule (field lists, layouts, CEL
conditions, company of related objects, uniqueness, read-only published versions) is checked by
`workflow_design.services`, exactly as for the admin. Related objects are looked up through the
access layer, so another company's id is "does not exist".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import Enum
from operator import attrgetter
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.fields import empty
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

from users import access as user_access
from users.models import Company, CompanyRole
from workflow_design import access
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition
from workflow_design.rules.field_schemas import FIELD_TYPES, field_list_to_json_schema

MAX_JSON_DEPTH = 20


def _json_problem(value: Any, depth: int = 0) -> str | None:
    """Text a database cannot store (NUL, lone surrogates) or absurd nesting, anywhere in a value."""
    if depth > MAX_JSON_DEPTH:
        return _("The value is nested too deeply.")
    if isinstance(value, str):
        if "\x00" in value:
            return _("Null characters are not allowed.")
        if any("\ud800" <= ch <= "\udfff" for ch in value):
            return _("Surrogate characters are not allowed.")
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            problem = _json_problem(key, depth + 1) or _json_problem(item, depth + 1)
            if problem:
                return problem
    elif isinstance(value, list):
        for item in value:
            problem = _json_problem(item, depth + 1)
            if problem:
                return problem
    return None


class JSONListField(serializers.JSONField):
    """A JSON list (field lists, layouts, references); its content is checked by the model."""

    default_error_messages = {"not_a_list": _("Expected a list.")}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not isinstance(value, list):
            self.fail("not_a_list")
        problem = _json_problem(value)
        if problem:
            raise serializers.ValidationError(problem)
        return value


FIELD_DEFINITION_SCHEMA = {
    "type": "object",
    "description": "One form field. `name` and `type` are required; see the field list rules.",
    "properties": {
        "name": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"},
        "label": {"type": "string"},
        "type": {"type": "string", "enum": list(FIELD_TYPES)},
        "required": {"type": "boolean"},
        "help_text": {"type": "string"},
        "choices": {
            "type": "array",
            "items": {"type": "object", "properties": {"value": {"type": "string"}, "label": {"type": "string"}}},
        },
        "min": {"type": "number", "nullable": True},
        "max": {"type": "number", "nullable": True},
        "max_length": {"type": "integer", "nullable": True},
        "default": {"nullable": True},
    },
    "required": ["name", "type"],
}


@extend_schema_field({"type": "array", "items": FIELD_DEFINITION_SCHEMA, "description": "Ordered form fields."})
class FieldListField(JSONListField):
    pass


@extend_schema_field(
    {
        "type": "array",
        "description": "External references.",
        "items": {
            "type": "object",
            "properties": {"system": {"type": "string"}, "reference": {"type": "string"}, "url": {"type": "string"}},
            "required": ["system", "reference"],
        },
    }
)
class ExtRefField(JSONListField):
    pass


@extend_schema_field(
    {
        "type": "array",
        "description": "Sections of a layout, each naming fields in order.",
        "items": {
            "type": "object",
            "properties": {"title": {"type": "string"}, "fields": {"type": "array", "items": {"type": "string"}}},
        },
    }
)
class LayoutField(JSONListField):
    pass


@extend_schema_field({"type": "array", "items": {"type": "string"}, "description": "Company role slugs."})
class RoleSlugListField(JSONListField):
    pass


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A foreign key whose choices come from the access layer for the requesting user."""

    def __init__(self, model: type[models.Model], scope: Callable[[Any], models.QuerySet], **kwargs):
        self.model = model
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None or not getattr(request, "user", None):
            return self.model._default_manager.none()
        return self.scope(request.user)

    def to_internal_value(self, data):
        # Booleans are not ids; anything that is not a whole number is "does not exist".
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


def _workflows_to_change(user):
    return access.workflows_for(user, "change")


def _tasks_visible(user):
    return access.tasks_for(user, "view")


def _json_schema(fields, title: str) -> dict[str, Any] | None:
    try:
        return field_list_to_json_schema(fields, title=title)
    except (KeyError, TypeError, AttributeError):  # a stored list that no longer validates
        return None


JSON_SCHEMA_HELP = _("JSON Schema (draft 2020-12) generated from the field list.")


def expected_revision_field():
    return serializers.IntegerField(
        write_only=True,
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text=_(
            "Optional: the workflow's `revision` you last read. If someone saved the workflow (or one "
            "of its tasks or transitions) since, the change is refused with 409 and nothing is saved. "
            "The `If-Match` header does the same."
        ),
    )


def _as_text(value):
    return value if type(value) is str else str(value)


def _as_int(value):
    return value if type(value) is int else int(value)


def _same(value):
    return value


def _model_field(model: type[models.Model], name: str):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _is_column(model: type[models.Model], name: str) -> bool:
    field = _model_field(model, name)
    return bool(field is not None and field.concrete and not field.is_relation and field.attname == name)


def _foreign_key_column(model: type[models.Model], name: str) -> str | None:
    """The id column of a forward foreign key (`workflow` -> `workflow_id`), else None."""
    field = _model_field(model, name)
    if field is not None and field.concrete and field.many_to_one:
        return field.attname
    return None


def _row_step(model: type[models.Model], field: serializers.Field):
    """How one readable field is written for a list row, exactly as its own `to_representation`.

    Returns `(kind, attribute, convert)`: "attr" reads the attribute (None stays None) and applies
    `convert`; "method" calls the serializer's `get_<name>`; "datetime" formats like DRF's ISO 8601
    output in the current time zone; "field" falls back to the field itself (anything else).
    """
    kind = type(field)
    source = field.source
    if isinstance(field, serializers.SerializerMethodField):
        return "method", field.method_name, None
    if source == "*" or "." in source:
        return "field", field.field_name, None
    if isinstance(field, serializers.PrimaryKeyRelatedField):
        plain = (
            field.pk_field is None
            and kind.get_attribute is serializers.PrimaryKeyRelatedField.get_attribute
            and kind.to_representation is serializers.PrimaryKeyRelatedField.to_representation
        )
        column = _foreign_key_column(model, source) if plain else None
        if column:
            # DRF reads the raw foreign key id (no join, no query); so does the row.
            return "attr", column, _same
        return "field", field.field_name, None
    if kind.get_attribute is not serializers.Field.get_attribute or not _is_column(model, source):
        # Properties, methods and custom lookups keep DRF's own reading (callables are called).
        return "field", field.field_name, None
    if kind.to_representation is serializers.DateTimeField.to_representation:
        iso = getattr(field, "format", api_settings.DATETIME_FORMAT)
        if isinstance(iso, str) and iso.lower() == ISO_8601 and not hasattr(field, "timezone"):
            return "datetime", source, None
        return "field", field.field_name, None
    if kind.to_representation is serializers.CharField.to_representation:
        return "attr", source, _as_text
    if kind.to_representation is serializers.IntegerField.to_representation:
        return "attr", source, _as_int
    if kind.to_representation is serializers.BigIntegerField.to_representation:
        as_text = getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING)
        return "attr", source, _as_text if as_text else _as_int
    if kind.to_representation is serializers.JSONField.to_representation and not field.binary:
        return "attr", source, _same
    if kind.to_representation is serializers.ReadOnlyField.to_representation:
        return "attr", source, _same
    if kind.to_representation is serializers.ChoiceField.to_representation:
        mapping = dict(field.choice_strings_to_values)

        def choice(value, mapping=mapping):
            if value == "":
                return value
            if isinstance(value, Enum) and str(value) != str(value.value):
                value = value.value
            return mapping.get(str(value), value)

        return "attr", source, choice
    return "field", field.field_name, None


def _row_plan(child: serializers.Serializer) -> list[tuple[str, str, str, Any]]:
    """The per-field steps of one serializer class, worked out once per process.

    Field lists of these serializers never depend on the request, so the plan is kept on the class
    (not inherited by subclasses, which may declare other fields).
    """
    cls = type(child)
    plan = cls.__dict__.get("_row_plan_cache")
    if plan is None:
        model = child.Meta.model
        plan = [(field.field_name, *_row_step(model, field)) for field in child._readable_fields]
        cls._row_plan_cache = plan
    return plan


class RowListSerializer(serializers.ListSerializer):
    """A page of definitions, written row by row without DRF's per-field machinery.

    DRF's generic path costs 40-60 µs a row (attribute lookups through `source_attrs`, a
    time-zone conversion and a `PKOnlyObject` per field, the field list rebuilt per request); the
    API lists write 100 rows a page and must answer in a few milliseconds. The output is the same
    as the child serializer's, field for field (`test_api_list_rows.py` compares them); fields
    this writer does not know are written by the field itself. Read-only: input still goes
    through the child serializer.
    """

    def to_representation(self, data):
        rows = data.all() if isinstance(data, models.manager.BaseManager) else data
        getters = self._getters()
        return [{name: get(row) for name, get in getters} for row in rows]

    def _getters(self) -> list[tuple[str, Callable[[Any], Any]]]:
        """One callable per output field, reading a row; the current time zone is read once."""
        child = self.child
        zone = timezone.get_current_timezone() if settings.USE_TZ else None
        getters = []
        for name, kind, attribute, convert in _row_plan(child):
            if kind == "method":
                get = getattr(child, attribute)
            elif kind == "field":
                get = _field_getter(child.fields[attribute])
            elif kind == "datetime":
                get = _datetime_getter(attribute, zone)
            elif convert is _same:
                get = attrgetter(attribute)  # None stays None
            else:
                get = _converting_getter(attribute, convert)
            getters.append((name, get))
        return getters


def _converting_getter(attribute: str, convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def get(row):
        value = getattr(row, attribute)
        return None if value is None else convert(value)

    return get


def _datetime_getter(attribute: str, zone) -> Callable[[Any], Any]:
    # Both database backends give aware values in UTC: when that is also the output zone, the
    # conversion (a third of a row's writing time) changes nothing and is skipped.
    output_in_utc = zone is UTC or getattr(zone, "key", None) == "UTC"

    def get(row):
        value = getattr(row, attribute)
        if not value:
            return None
        if isinstance(value, str):
            return value
        if not (output_in_utc and value.tzinfo is UTC):
            value = _local_datetime(value, zone)
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return get


def _field_getter(field: serializers.Field) -> Callable[[Any], Any]:
    """DRF's own reading and writing of one field (as `Serializer.to_representation` does)."""

    def get(row):
        value = field.get_attribute(row)
        check = value.pk if isinstance(value, PKOnlyObject) else value
        return None if check is None else field.to_representation(value)

    return get


def _local_datetime(value: datetime, zone):
    """DRF's `enforce_timezone` for output: aware values in the current zone (naive made aware)."""
    if zone is None:
        return timezone.make_naive(value, UTC) if timezone.is_aware(value) else value
    if timezone.is_aware(value):
        return value.astimezone(zone)
    return timezone.make_aware(value, zone)


# Each definition serializer's Meta names `RowListSerializer`, so lists (`many=True`) are written
# by it. (Not said in the docstring below: drf-spectacular publishes it in the OpenAPI schema.)
class DefinitionSerializer(serializers.ModelSerializer):
    """Common base: no model-level validators here (Meta.validators = []); the services run every rule."""


class WorkflowSerializer(DefinitionSerializer):
    ext_ref = ExtRefField(required=False)
    fields = FieldListField(required=False)
    display_layout = LayoutField(required=False)
    fields_json_schema = serializers.SerializerMethodField(help_text=JSON_SCHEMA_HELP)
    expected_revision = expected_revision_field()

    class Meta:
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
            "version",
            "status",
            "published_at",
            "revision",
            "created_by",
            "created_at",
            "updated_at",
            "fields_json_schema",
            "expected_revision",
        ]
        read_only_fields = [
            "company",
            "version",
            "status",
            "published_at",
            "revision",
            "created_by",
            "created_at",
            "updated_at",
        ]
        validators: list = []
        list_serializer_class = RowListSerializer

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_fields_json_schema(self, obj) -> dict[str, Any] | None:
        return _json_schema(obj.fields, obj.title)


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

    class Meta:
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
            "version",
            "status",
            "created_by",
            "created_at",
            "updated_at",
            "input_json_schema",
            "output_json_schema",
            "expected_revision",
        ]
        read_only_fields = ["company", "version", "status", "created_by", "created_at", "updated_at"]
        validators: list = []
        list_serializer_class = RowListSerializer

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

    class Meta:
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
        validators: list = []
        list_serializer_class = RowListSerializer


class NestedTransitionSerializer(TransitionSerializer):
    workflow = serializers.PrimaryKeyRelatedField(read_only=True)


class TicketSerializer(DefinitionSerializer):
    workflow = ScopedPrimaryKeyField(
        WorkflowDefinition,
        lambda user: access.workflows_for(user, "view"),
        help_text=_("The workflow tickets of this type run through (of your company)."),
    )
    ext_ref = ExtRefField(required=False)
    fields = FieldListField(required=False)
    company_role_access = RoleSlugListField(required=False)
    edit_layout = LayoutField(required=False)
    display_layout = LayoutField(required=False)
    json_schema = serializers.SerializerMethodField(help_text=JSON_SCHEMA_HELP)
    expected_updated_at = serializers.DateTimeField(
        write_only=True,
        required=False,
        help_text=_(
            "Optional: the `updated_at` you last read. If someone saved the ticket definition since, "
            "the change is refused with 409 and nothing is saved."
        ),
    )

    class Meta:
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
            "version",
            "status",
            "published_at",
            "created_by",
            "created_at",
            "updated_at",
            "json_schema",
            "expected_updated_at",
        ]
        read_only_fields = [
            "company",
            "version",
            "status",
            "published_at",
            "created_by",
            "created_at",
            "updated_at",
        ]
        validators: list = []
        list_serializer_class = RowListSerializer

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_json_schema(self, obj) -> dict[str, Any] | None:
        return _json_schema(obj.fields, obj.title)


class CompanyOfNewDefinitionField(ScopedPrimaryKeyField):
    """`company` of a new workflow or ticket definition: only superusers choose it.

    Anyone else creates in their own company, and a `company` they send is ignored (as it was
    while the field was read-only), so a creator can neither pick nor probe another company.
    """

    def __init__(self, **kwargs):
        super().__init__(Company, user_access.companies_visible_to, **kwargs)

    def get_value(self, dictionary):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if not (user is not None and user.is_authenticated and user.is_active and user.is_superuser):
            return empty
        return super().get_value(dictionary)


COMPANY_OF_NEW_DEFINITION_HELP = _(
    "Superusers only, and required from a superuser without a company: the company the new "
    "definition belongs to. Anyone else creates in their own company; the value is ignored."
)


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


@extend_schema_field(OpenApiTypes.OBJECT)
class BundleDocumentField(serializers.JSONField):
    pass


class BundleUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("A bundle file (.json) as exported."))
