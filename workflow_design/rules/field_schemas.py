"""Field lists: the ordered form definitions stored in `fields`, `input_schema`, `output_schema`.

A field list is a JSON list of objects, one per field, in the order the form shows them:

    {"name": "justification", "label": "Justification", "type": "long_text",
     "required": true, "help_text": "", "choices": [], "min": null, "max": null,
     "max_length": 2000, "default": null}

`field_list_errors` checks one list and returns messages that name the field at fault;
`field_list_to_json_schema` turns a valid list into a JSON Schema (draft 2020-12).
"""

from __future__ import annotations

import json
import keyword
import re
from functools import lru_cache
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from workflow_design.files import limits

TEXT = "text"
LONG_TEXT = "long_text"
INTEGER = "integer"
NUMBER = "number"
BOOLEAN = "boolean"
DATE = "date"
DATETIME = "datetime"
EMAIL = "email"
CHOICE = "choice"
MULTIPLE_CHOICE = "multiple_choice"

FIELD_TYPES: dict[str, str] = {
    TEXT: "Text",
    LONG_TEXT: "Long text",
    INTEGER: "Integer",
    NUMBER: "Number",
    BOOLEAN: "Yes / no",
    DATE: "Date",
    DATETIME: "Date and time",
    EMAIL: "Email",
    CHOICE: "Choice",
    MULTIPLE_CHOICE: "Multiple choice",
}
CHOICE_TYPES = {CHOICE, MULTIPLE_CHOICE}
NUMERIC_TYPES = {INTEGER, NUMBER}
TEXT_TYPES = {TEXT, LONG_TEXT, EMAIL}
KNOWN_KEYS = {
    "name",
    "label",
    "type",
    "required",
    "help_text",
    "choices",
    "min",
    "max",
    "max_length",
    "default",
}
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
# The default; the limit in force is `limits.form_max_fields()` (a setting).
MAX_FIELDS = limits.FORM_MAX_FIELDS

# The django-jsonform editor schema for a field list (the admin's form builder).
FIELD_LIST_EDITOR_SCHEMA: dict[str, Any] = {
    "type": "array",
    "title": "Fields",
    "items": {
        "type": "object",
        "title": "Field",
        "keys": {
            "name": {
                "type": "string",
                "title": "Name",
                "helpText": "Lower-case identifier used in conditions and data: letters, digits, _",
                "required": True,
            },
            "label": {"type": "string", "title": "Label", "required": True},
            "type": {
                "type": "string",
                "title": "Type",
                "choices": [{"value": k, "title": v} for k, v in FIELD_TYPES.items()],
                "default": TEXT,
                "required": True,
            },
            "required": {"type": "boolean", "title": "Required", "default": False},
            "help_text": {"type": "string", "title": "Help text", "widget": "textarea"},
            "choices": {
                "type": "array",
                "title": "Choices (choice types only)",
                "items": {
                    "type": "object",
                    "keys": {
                        "value": {"type": "string", "title": "Value", "required": True},
                        "label": {"type": "string", "title": "Label"},
                    },
                },
            },
            "min": {"type": "number", "title": "Minimum (numbers) / min length (text)"},
            "max": {"type": "number", "title": "Maximum (numbers) / max length (text)"},
            "max_length": {"type": "integer", "title": "Max length (text)"},
            "default": {"type": "string", "title": "Default"},
        },
    },
}


def _choice_values(field: dict[str, Any]) -> list[Any]:
    values = []
    for choice in field.get("choices") or []:
        values.append(choice.get("value") if isinstance(choice, dict) else choice)
    return values


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def field_list_errors(fields: Any) -> list[str]:
    """Every problem of one field list, each message naming the field (by position and name)."""
    too_many = _size_errors(fields)
    if too_many:
        # Refused on the counts alone: a list this large is not spelt out, checked or remembered.
        return too_many
    if isinstance(fields, list):
        # The linter checks the same few forms on every task of a big workflow: the result is
        # remembered by the list's JSON text (order and types included) and the language of
        # the messages. A list holding anything JSON cannot spell is checked afresh.
        try:
            text = json.dumps(fields)
        except (TypeError, ValueError):
            return _field_list_errors(fields)
        return list(_remembered_field_list_errors(text, get_language()))
    return _field_list_errors(fields)


@lru_cache(maxsize=4096)
def _remembered_field_list_errors(fields_json: str, language: str | None) -> tuple[str, ...]:
    return tuple(_field_list_errors(json.loads(fields_json)))


def _size_errors(fields: Any) -> list[str]:
    """The form's fields and each field's choices counted against their limits."""
    if not isinstance(fields, list):
        return []
    max_fields = limits.form_max_fields()
    if len(fields) > max_fields:
        return [
            _("The form has %(count)d fields; a form may have at most %(max)d fields.")
            % {"count": len(fields), "max": max_fields}
        ]
    max_choices = limits.field_max_choices()
    errors = []
    for position, field in enumerate(fields, start=1):
        choices = field.get("choices") if isinstance(field, dict) else None
        if isinstance(choices, list) and len(choices) > max_choices:
            errors.append(
                _("Field %(n)d (%(name)s): it has %(count)d choices; a field may have at most %(max)d choices.")
                % {"n": position, "name": field.get("name") or _("no name"), "count": len(choices), "max": max_choices}
            )
    return errors


def _field_list_errors(fields: Any) -> list[str]:
    if fields in (None, ""):
        return []
    if not isinstance(fields, list):
        return [_("The field list must be a list of field definitions.")]
    # Counted against the limits by `field_list_errors`, before this check.
    errors: list[str] = []
    seen: set[str] = set()
    for position, field in enumerate(fields, start=1):
        if not isinstance(field, dict):
            errors.append(_("Field %(n)d is not a field definition.") % {"n": position})
            continue
        name = field.get("name")
        where = _("Field %(n)d (%(name)s)") % {"n": position, "name": name or _("no name")}
        unknown = sorted(set(field) - KNOWN_KEYS)
        if unknown:
            errors.append(_("%(where)s: unknown settings %(keys)s.") % {"where": where, "keys": ", ".join(unknown)})
        if not isinstance(name, str) or not NAME_PATTERN.match(name) or keyword.iskeyword(name):
            errors.append(
                _(
                    "%(where)s: the name must start with a lower-case letter and hold only "
                    "lower-case letters, digits and _ (at most 63)."
                )
                % {"where": where}
            )
        elif name in seen:
            errors.append(_("%(where)s: the name %(name)s is used twice.") % {"where": where, "name": name})
        else:
            seen.add(name)
        field_type = field.get("type")
        if field_type not in FIELD_TYPES:
            errors.append(
                _("%(where)s: unknown type %(type)r; known types are %(known)s.")
                % {"where": where, "type": field_type, "known": ", ".join(FIELD_TYPES)}
            )
            continue
        if not isinstance(field.get("label", ""), str):
            errors.append(_("%(where)s: the label must be text.") % {"where": where})
        if "required" in field and not isinstance(field["required"], bool):
            errors.append(_("%(where)s: required must be true or false.") % {"where": where})
        choices = field.get("choices") or []
        if field_type in CHOICE_TYPES:
            values = _choice_values(field)
            if not values:
                errors.append(_("%(where)s: a choice field needs at least one choice.") % {"where": where})
            elif any(not isinstance(v, str) or not v for v in values):
                errors.append(_("%(where)s: every choice needs a non-empty text value.") % {"where": where})
            elif len(set(values)) != len(values):
                errors.append(_("%(where)s: the choices repeat a value.") % {"where": where})
        elif choices:
            errors.append(_("%(where)s: only choice fields may have choices.") % {"where": where})
        low, high = field.get("min"), field.get("max")
        for key, bound in (("min", low), ("max", high)):
            if bound is not None and not _is_number(bound):
                errors.append(_("%(where)s: %(key)s must be a number.") % {"where": where, "key": key})
        if (low is not None or high is not None) and field_type not in NUMERIC_TYPES | TEXT_TYPES:
            errors.append(_("%(where)s: min and max apply to numbers and text only.") % {"where": where})
        if _is_number(low) and _is_number(high) and low > high:
            errors.append(
                _("%(where)s: min (%(min)s) is greater than max (%(max)s).") % {"where": where, "min": low, "max": high}
            )
        max_length = field.get("max_length")
        if max_length is not None:
            if field_type not in TEXT_TYPES:
                errors.append(_("%(where)s: max length applies to text fields only.") % {"where": where})
            elif not isinstance(max_length, int) or isinstance(max_length, bool) or max_length < 1:
                errors.append(_("%(where)s: max length must be a positive whole number.") % {"where": where})
        default = field.get("default")
        if default not in (None, "") and not errors:
            default_errors = _default_errors(field, default)
            errors.extend(f"{where}: {message}" for message in default_errors)
    if not errors:
        problem = _schema_problem(json.dumps(field_list_to_json_schema(fields), sort_keys=True))
        if problem:
            errors.append(_("The generated JSON Schema is invalid: %(msg)s") % {"msg": problem})
    return errors


@lru_cache(maxsize=4096)
def _schema_problem(schema_json: str) -> str:
    """jsonschema's own check of a generated schema, remembered: the linter and the designer
    check the same few hundred forms again and again, and each check builds a meta-validator."""
    try:
        Draft202012Validator.check_schema(json.loads(schema_json))
    except SchemaError as exc:
        return exc.message
    return ""


def _default_errors(field: dict[str, Any], default: Any) -> list[str]:
    schema = field_to_json_schema(field)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    value = coerce_default(field, default)
    return [
        _("the default %(value)r is not valid: %(msg)s") % {"value": default, "msg": e.message}
        for e in validator.iter_errors(value)
    ]


def coerce_default(field: dict[str, Any], default: Any) -> Any:
    """Defaults are typed in a text box in the editor; read them as the field's type."""
    if not isinstance(default, str):
        return default
    field_type = field.get("type")
    try:
        if field_type == INTEGER:
            return int(default)
        if field_type == NUMBER:
            return float(default)
    except ValueError:
        return default
    if field_type == BOOLEAN:
        return {"true": True, "false": False}.get(default.strip().lower(), default)
    if field_type == MULTIPLE_CHOICE:
        return [part.strip() for part in default.split(",") if part.strip()]
    return default


def field_to_json_schema(field: dict[str, Any]) -> dict[str, Any]:
    field_type = field["type"]
    schema: dict[str, Any] = {}
    if field.get("label"):
        schema["title"] = field["label"]
    if field.get("help_text"):
        schema["description"] = field["help_text"]
    if field_type in TEXT_TYPES:
        schema["type"] = "string"
        if field_type == EMAIL:
            schema["format"] = "email"
        if field.get("max_length"):
            schema["maxLength"] = field["max_length"]
        if _is_number(field.get("min")):
            schema["minLength"] = int(field["min"])
        if _is_number(field.get("max")):
            schema["maxLength"] = min(int(field["max"]), schema.get("maxLength", int(field["max"])))
    elif field_type in NUMERIC_TYPES:
        schema["type"] = "integer" if field_type == INTEGER else "number"
        if _is_number(field.get("min")):
            schema["minimum"] = field["min"]
        if _is_number(field.get("max")):
            schema["maximum"] = field["max"]
    elif field_type == BOOLEAN:
        schema["type"] = "boolean"
    elif field_type == DATE:
        schema.update(type="string", format="date")
    elif field_type == DATETIME:
        schema.update(type="string", format="date-time")
    elif field_type == CHOICE:
        schema.update(type="string", enum=_choice_values(field))
    elif field_type == MULTIPLE_CHOICE:
        schema.update(type="array", items={"type": "string", "enum": _choice_values(field)}, uniqueItems=True)
    if field.get("default") not in (None, ""):
        schema["default"] = coerce_default(field, field["default"])
    return schema


def field_list_to_json_schema(fields: list[dict[str, Any]] | None, *, title: str = "") -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that a value of this form must satisfy."""
    fields = fields or []
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {f["name"]: field_to_json_schema(f) for f in fields},
        "required": [f["name"] for f in fields if f.get("required")],
        "additionalProperties": False,
    }
    if title:
        schema["title"] = title
    return schema


def field_names(fields: Any) -> list[str]:
    if not isinstance(fields, list):
        return []
    return [f["name"] for f in fields if isinstance(f, dict) and isinstance(f.get("name"), str)]


def fields_by_name(fields: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(fields, list):
        return {}
    return {f["name"]: f for f in fields if isinstance(f, dict) and isinstance(f.get("name"), str)}
