"""Field types of the workflow design API: JSON lists, access-scoped foreign keys, the company
of a new definition and the concurrency token. They check shape only; the services check rules."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from ticketflower import text_hygiene
from users import access as user_access
from users.models import Company
from workflow_design.files import limits
from workflow_design.files.limits import UploadRefused
from workflow_design.models import TaskDefinition
from workflow_design.rules.field_schemas import FIELD_TYPES
from workflow_design.rules.json_schema_fields import FieldSchemaRefused, json_schema_to_field_list

SLUG_PATTERN = re.compile(r"^[-a-zA-Z0-9_]+$")
TASK_SLUG_MAX_LENGTH = TaskDefinition._meta.get_field("slug").max_length

# What clients of the original API and the browsable API's forms send for "nothing here".
EMPTY_LIST_SPELLINGS = (None, "")


class JSONListField(serializers.JSONField):
    """A JSON list (field lists, layouts, references); its content is checked by the services.

    `null` and `""` (sent for an empty layout by the original API's clients) are the empty list,
    and an empty form offers `[]`, so the browsable API's form posts as it is offered.
    """

    default_error_messages = {"not_a_list": _("Expected a list.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("initial", list)
        super().__init__(**kwargs)

    def run_validation(self, data=empty):
        if data is not empty and data in EMPTY_LIST_SPELLINGS:
            data = []
        return super().run_validation(data)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value in EMPTY_LIST_SPELLINGS:  # a form's text box holding `null` or `""`
            value = []
        try:
            limits.ensure_json_value_depth(value)  # the nesting limit of every JSON the product reads
        except UploadRefused as exc:
            raise serializers.ValidationError(exc.message)
        problem = text_hygiene.json_text_problem(value)  # the models' rule, checked before the list is read
        if problem:
            raise serializers.ValidationError(problem)
        value = self.as_list(value)
        if not isinstance(value, list):
            self.fail("not_a_list")
        return value

    def as_list(self, value):
        """The list a value stands for (a field list may come as a JSON Schema object)."""
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


FIELD_LIST_DESCRIPTION = (
    "Ordered form fields. A JSON Schema (draft 2020-12) object is accepted too and stored as the "
    "list: `type: object`, `properties` in order, `required`, `title`, `description`; per property "
    "`type`, `title`, `description`, `enum` (or `oneOf` of `const`/`title` for labelled choices), "
    "`minimum`/`maximum`, `minLength`/`maxLength`, `format` (date, date-time, email), `default`, "
    "`items`/`uniqueItems` (multiple choice) and `x-field-type: long_text`. Any other keyword is "
    'refused naming its JSON Pointer. `{}`, `null` and `""` are no fields.'
)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "array", "items": FIELD_DEFINITION_SCHEMA},
            {"type": "object", "description": "A JSON Schema object (see the field's description)."},
        ],
        "description": FIELD_LIST_DESCRIPTION,
    }
)
class FieldListField(JSONListField):
    """A field list, or the JSON Schema object of one (read by `rules.json_schema_fields`)."""

    def as_list(self, value):
        if not isinstance(value, dict):
            return value
        try:
            return json_schema_to_field_list(value)
        except FieldSchemaRefused as exc:
            raise serializers.ValidationError(exc.messages)


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
    # `null` is "not sent" (the browsable API's form offers it so).
    return serializers.IntegerField(
        write_only=True, required=False, allow_null=True, min_value=1, max_value=2**31 - 1, help_text=help_text
    )


def optional_slug_field(max_length: int, help_text=None) -> serializers.SlugField:
    """`slug` of a new definition: left out or empty, the services derive it from the title
    (the first free one in its scope) and the answer returns it."""
    return serializers.SlugField(
        max_length=max_length,
        required=False,
        allow_blank=True,
        help_text=help_text or _("Made from the title when left out or empty (unique where it must be)."),
    )


class TaskSlug(str):
    """A task named by its slug: the serializer finds it in the transition's workflow."""


@extend_schema_field(
    {
        "oneOf": [{"type": "integer"}, {"type": "string", "pattern": r"^[-a-zA-Z0-9_]+$"}],
        "nullable": True,
        "description": "The task's id, or its slug within the transition's workflow (a string of digits is an id).",
    }
)
class TaskReferenceField(ScopedPrimaryKeyField):
    """`from_task`/`to_task` of a transition: a task id, or the slug of a task of its workflow
    (files, bundles and the admin name tasks by slug). Answers give the id; `*_slug` the slug."""

    default_error_messages = {"bad_slug": _("Send a task id or a task slug (letters, digits, - and _).")}

    def to_internal_value(self, data):
        if isinstance(data, str) and data and not data.isdigit():
            if len(data) > TASK_SLUG_MAX_LENGTH or not SLUG_PATTERN.match(data):
                self.fail("bad_slug")
            return TaskSlug(data)
        return super().to_internal_value(data)
