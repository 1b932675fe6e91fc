"""The published JSON Schema of a workflow bundle, derived from the code that reads bundles.

Nothing here describes the bundle a second time: the keys of each part, which are text, whole
numbers or slug references, and the format and its version come from `files.bundles` (what
`bundle_parse` checks); lengths, slug patterns, choices and required keys come from the model
fields that check the values on import; field lists come from `rules.field_schemas` (its known
settings, name pattern, types and maximum) and the other JSON values from the editor schemas the
admin draws them with; the size and nesting limits from `files.limits`. Served at
`/api/schema/bundle/` and kept in `docs/bundle.schema.json` (a test compares the two).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import translation

from users.models import CompanyRole
from workflow_design.files import bundles, limits
from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition
from workflow_design.rules import field_schemas
from workflow_design.rules.structured_fields import EXT_REF_EDITOR_SCHEMA, LAYOUT_EDITOR_SCHEMA

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

# Each list of the bundle, the key that holds it, and the model its entries become.
PARTS: tuple[tuple[str, tuple[str, ...], type[models.Model]], ...] = (
    ("workflow", bundles.WORKFLOW_KEYS, WorkflowDefinition),
    ("tasks", bundles.TASK_KEYS, TaskDefinition),
    ("transitions", bundles.TRANSITION_KEYS, WorkflowTransition),
    ("tickets", bundles.TICKET_KEYS, TicketDefinition),
    ("roles", bundles.ROLE_KEYS, CompanyRole),
)

# Where the schema is published beside the code.
DOC_PATH = Path(settings.BASE_DIR) / "docs" / "bundle.schema.json"


def _from_editor_schema(editor: dict[str, Any]) -> dict[str, Any]:
    """A django-jsonform editor schema (the admin's form builder) as standard JSON Schema:
    `keys` become `properties`, per-key `required` the object's list, `choices` an `enum`."""
    schema: dict[str, Any] = {"type": editor["type"]}
    if editor.get("title"):
        schema["title"] = editor["title"]
    if editor.get("helpText"):
        schema["description"] = editor["helpText"]
    if editor.get("choices"):
        schema["enum"] = [choice["value"] for choice in editor["choices"]]
    if editor["type"] == "array" and "items" in editor:
        schema["items"] = _from_editor_schema(editor["items"])
    if editor["type"] == "object" and "keys" in editor:
        schema["properties"] = {name: _from_editor_schema(sub) for name, sub in editor["keys"].items()}
        schema["required"] = [name for name, sub in editor["keys"].items() if sub.get("required")]
        schema["additionalProperties"] = False
    return schema


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "type": [schema["type"], "null"]}


def field_list_schema() -> dict[str, Any]:
    """A form's field list (`fields`, `input_schema`, `output_schema`), as `field_list_errors`
    reads it: its known settings, name pattern, types and size."""
    editor_field = _from_editor_schema(field_schemas.FIELD_LIST_EDITOR_SCHEMA["items"])
    properties = editor_field["properties"]
    properties["name"]["pattern"] = field_schemas.NAME_PATTERN.pattern
    properties["type"]["enum"] = list(field_schemas.FIELD_TYPES)
    properties["label"].pop("enum", None)
    for name in ("help_text", "min", "max", "max_length"):
        properties[name] = _nullable(properties[name])
    # A choice is a {value, label} entry or its bare value; a default is typed by its field.
    properties["choices"]["items"] = {"anyOf": [{"type": "string"}, properties["choices"]["items"]]}
    properties["default"] = {"description": "A value of the field's own type (or its text)."}
    unknown = set(properties) ^ field_schemas.KNOWN_KEYS
    if unknown:  # the editor and the checks disagree: the schema would mislead
        raise LookupError(f"Field settings out of step: {sorted(unknown)}")
    as_list = {
        "type": "array",
        "title": field_schemas.FIELD_LIST_EDITOR_SCHEMA["title"],
        "description": "Ordered form fields; each converts to a JSON Schema property.",
        "maxItems": field_schemas.MAX_FIELDS,
        "items": {**editor_field, "required": ["name", "type"]},
    }
    as_json_schema = {
        "type": "object",
        "description": (
            "The form as a JSON Schema (draft 2020-12) object, in the subset a field list can say: "
            "type object, properties in order, required, title, description, enum, minimum/maximum, "
            "minLength/maxLength, format date, date-time or email, default. Read as the field list."
        ),
    }
    return {"anyOf": [as_list, as_json_schema]}


def _json_value_schemas() -> dict[str, dict[str, Any]]:
    """The JSON values a part holds, by key (the same key means the same kind of value)."""
    field_list = {"$ref": "#/$defs/field_list"}
    return {
        "fields": field_list,
        "input_schema": field_list,
        "output_schema": field_list,
        "ext_ref": _from_editor_schema(EXT_REF_EDITOR_SCHEMA),
        "display_layout": _from_editor_schema(LAYOUT_EDITOR_SCHEMA),
        "edit_layout": _from_editor_schema(LAYOUT_EDITOR_SCHEMA),
        "company_role_access": {
            "type": "array",
            "items": {"$ref": "#/$defs/role_slug"},
            "uniqueItems": True,
        },
    }


def _slug_schema(field: models.Field) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": field.max_length}
    for validator in field.validators:
        regex = getattr(validator, "regex", None)
        if regex is not None:
            # Python's end of text `\Z` is `$` in the ECMA-262 dialect JSON Schema uses.
            schema["pattern"] = regex.pattern.replace(r"\Z", "$")
    return schema


def _value_schema(key: str, field: models.Field, json_values: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One key of a part: its kind from the reader's declarations, its bounds from the model."""
    if key in bundles.REFERENCE_KEYS:
        target = field.related_model._meta.get_field("slug")
        schema = {"anyOf": [_slug_schema(target), {"type": "null"}]}
    elif key in bundles.INT_KEYS:
        schema = {"type": "integer", "minimum": 0}
    elif key in bundles.TEXT_KEYS:
        schema = _slug_schema(field) if isinstance(field, models.SlugField) else {"type": "string"}
        if field.choices:
            schema["enum"] = [value for value, _label in field.flatchoices]
        elif field.max_length and "maxLength" not in schema:
            schema["maxLength"] = field.max_length
    else:
        schema = dict(json_values[key])
    description = str(field.help_text or field.verbose_name)
    return {"description": description[:1].upper() + description[1:], **schema}


def _part_schema(keys: tuple[str, ...], model: type[models.Model], json_values) -> dict[str, Any]:
    fields = {key: model._meta.get_field(key) for key in keys}
    required = [
        key
        for key, field in fields.items()
        if key == "slug" or (not field.blank and not field.has_default() and not field.null)
    ]
    return {
        "type": "object",
        "title": str(model._meta.verbose_name),
        "properties": {key: _value_schema(key, field, json_values) for key, field in fields.items()},
        "required": required,
        "additionalProperties": False,
    }


def bundle_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a bundle this server reads."""
    with translation.override("en"):
        json_values = _json_value_schemas()
        properties: dict[str, Any] = {
            "format": {"const": bundles.BUNDLE_FORMAT},
            "format_version": {"const": bundles.BUNDLE_FORMAT_VERSION},
        }
        for name, keys, model in PARTS:
            part = _part_schema(keys, model, json_values)
            properties[name] = part if name == "workflow" else {"type": "array", "items": part}
        if set(properties) != set(bundles.TOP_KEYS):
            raise LookupError("Bundle parts out of step with the reader's keys")
        return {
            "$schema": DRAFT_2020_12,
            "title": "TicketFlower workflow bundle",
            "description": (
                "One workflow with its tasks, transitions, ticket definitions and the company roles they "
                f"name, by slug. Read within these limits: at most {limits.max_upload_bytes()} bytes of JSON, "
                f"nested at most {limits.json_max_depth()} levels, numbers of at most "
                f"{limits.JSON_MAX_NUMBER_DIGITS} digits."
            ),
            "type": "object",
            "properties": properties,
            "required": ["format", "format_version", "workflow"],
            "additionalProperties": False,
            "$defs": {
                "field_list": field_list_schema(),
                "role_slug": _slug_schema(CompanyRole._meta.get_field("slug")),
            },
        }


def bundle_json_schema_text() -> str:
    """The schema as published in docs/: two-space indent, a final newline."""
    return json.dumps(bundle_json_schema(), indent=2, ensure_ascii=False) + "\n"


def write_bundle_schema_doc(path: Path = DOC_PATH) -> Path:
    """Write the schema to docs/ (run after changing the bundle format or its limits)."""
    path.write_text(bundle_json_schema_text(), encoding="utf-8", newline="\n")
    return path


__all__ = ["DOC_PATH", "bundle_json_schema", "bundle_json_schema_text", "field_list_schema", "write_bundle_schema_doc"]
