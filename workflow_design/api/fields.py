"""Field types of the workflow design API: JSON lists, access-scoped foreign keys, the company
of a new definition and the concurrency token. They check shape only; the services check rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from users import access as user_access
from users.models import Company
from workflow_design.files import limits
from workflow_design.files.limits import UploadRefused
from workflow_design.rules.field_schemas import FIELD_TYPES


def _text_problem(value: Any) -> str | None:
    """Text a database cannot store (NUL, lone surrogates), anywhere in a JSON value."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return _("Null characters are not allowed.")
            if any("\ud800" <= ch <= "\udfff" for ch in item):
                return _("Surrogate characters are not allowed.")
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


class JSONListField(serializers.JSONField):
    """A JSON list (field lists, layouts, references); its content is checked by the model."""

    default_error_messages = {"not_a_list": _("Expected a list.")}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not isinstance(value, list):
            self.fail("not_a_list")
        try:
            limits.ensure_json_value_depth(value)  # the nesting limit of every JSON the product reads
        except UploadRefused as exc:
            raise serializers.ValidationError(exc.message)
        problem = _text_problem(value)
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
    """A foreign key whose choices are the rows `scope(user)` gives the requesting user."""

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


@extend_schema_field(OpenApiTypes.INT)
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

WORKFLOW_REVISION_HELP = _(
    "Optional: the workflow's `revision` you last read. If someone saved the workflow (or one "
    "of its tasks or transitions) since, the change is refused with 409 and nothing is saved. "
    "The `If-Match` header does the same."
)
TICKET_REVISION_HELP = _(
    "Optional: the ticket definition's `revision` you last read. If someone saved it since, the "
    "change is refused with 409 and nothing is saved. The `If-Match` header does the same."
)


def expected_revision_field(help_text=WORKFLOW_REVISION_HELP) -> serializers.IntegerField:
    """The concurrency token a client may send with a change: the revision it last read."""
    return serializers.IntegerField(
        write_only=True, required=False, min_value=1, max_value=2**31 - 1, help_text=help_text
    )
