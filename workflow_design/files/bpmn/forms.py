"""Task forms from BPMN files: Camunda 7's `camunda:formData` and Camunda 8's form JSON, as field lists.

Each reader gives the field list (see `rules.field_schemas`) and notes on what it could not keep
exactly (a field type the product does not have, a validation it cannot express); the import
turns the notes into report entries for the task.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405 - parsed elements only, never parsing here
from typing import Any

from django.utils.translation import gettext as _

from workflow_design.files.bpmn.xml_reader import CAMUNDA, q
from workflow_design.rules import field_schemas as fs

# Camunda 7 form field types.
_FORM_DATA_TYPES = {"string": fs.TEXT, "long": fs.INTEGER, "boolean": fs.BOOLEAN, "date": fs.DATE, "enum": fs.CHOICE}
# Camunda 8 form components that hold a value.
_COMPONENT_TYPES = {
    "textfield": fs.TEXT,
    "textarea": fs.LONG_TEXT,
    "number": fs.NUMBER,
    "checkbox": fs.BOOLEAN,
    "select": fs.CHOICE,
    "radio": fs.CHOICE,
    "checklist": fs.MULTIPLE_CHOICE,
    "taglist": fs.MULTIPLE_CHOICE,
}
# Components that show something but hold no value (nothing to keep).
_DISPLAY_COMPONENTS = {"text", "html", "image", "spacer", "separator", "button", "group", "iframe", "table"}


def field_name(raw: str) -> str:
    """A field name the product accepts, as close to the file's as it can be."""
    name = re.sub(r"[^a-z0-9_]+", "_", re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", raw).lower()).strip("_")
    if not name or not name[0].isalpha():
        name = f"field_{name}".rstrip("_")
    return name[:63]


def _bound(value: Any) -> float | int | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else number


def _finish(field: dict[str, Any], raw_name: str, notes: list[str]) -> dict[str, Any]:
    if field["name"] != raw_name:
        notes.append(_("field “%(raw)s” is named “%(name)s”") % {"raw": raw_name, "name": field["name"]})
    return {key: value for key, value in field.items() if value not in (None, "", [])}


def form_data_fields(extension_elements: ET.Element | None) -> tuple[list[dict[str, Any]], list[str]]:
    """The fields of a `camunda:formData` block."""
    fields: list[dict[str, Any]] = []
    notes: list[str] = []
    if extension_elements is None:
        return fields, notes
    for form_field in extension_elements.iter(q(CAMUNDA, "formField")):
        raw_name = form_field.get("id", "")
        raw_type = form_field.get("type", "string")
        kind = _FORM_DATA_TYPES.get(raw_type, fs.TEXT)
        if raw_type not in _FORM_DATA_TYPES:
            notes.append(
                _("field “%(name)s” of type “%(type)s” is a text field") % {"name": raw_name, "type": raw_type}
            )
        field: dict[str, Any] = {
            "name": field_name(raw_name),
            "label": form_field.get("label") or raw_name,
            "type": kind,
            "required": False,
            "default": form_field.get("defaultValue"),
        }
        if kind == fs.CHOICE:
            field["choices"] = [
                {"value": value.get("id", ""), "label": value.get("name") or value.get("id", "")}
                for value in form_field.iter(q(CAMUNDA, "value"))
            ]
        for constraint in form_field.iter(q(CAMUNDA, "constraint")):
            name, config = constraint.get("name"), constraint.get("config")
            if name == "required":
                field["required"] = True
            elif name in ("min", "minlength"):
                field["min"] = _bound(config)
            elif name == "max":
                field["max"] = _bound(config)
            elif name == "maxlength":
                field["max_length" if kind in fs.TEXT_TYPES else "max"] = _bound(config)
            elif name != "readonly":
                notes.append(
                    _("field “%(name)s”: validation “%(rule)s” is not kept") % {"name": raw_name, "rule": name}
                )
        fields.append(_finish(field, raw_name, notes))
    return fields, notes


def form_json_fields(form: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """The fields of a Camunda 8 form (the JSON Camunda Modeler saves as a `.form` file)."""
    fields: list[dict[str, Any]] = []
    notes: list[str] = []
    components = form.get("components") if isinstance(form, dict) else None
    if not isinstance(components, list):
        return fields, [_("the linked form has no components list")]
    pending = list(components)
    while pending:
        component = pending.pop(0)
        if not isinstance(component, dict):
            continue
        kind_name = component.get("type", "")
        if kind_name in ("group", "dynamiclist") and isinstance(component.get("components"), list):
            pending[0:0] = component["components"]
            continue
        if kind_name in _DISPLAY_COMPONENTS or "key" not in component:
            continue
        raw_name = str(component["key"])
        kind = _COMPONENT_TYPES.get(kind_name)
        if kind_name == "datetime":
            kind = fs.DATE if component.get("subtype", "date") == "date" else fs.DATETIME
        if kind is None:
            kind = fs.TEXT
            notes.append(_("field “%(name)s” (%(type)s) is a text field") % {"name": raw_name, "type": kind_name})
        validate = component.get("validate") if isinstance(component.get("validate"), dict) else {}
        field: dict[str, Any] = {
            "name": field_name(raw_name),
            "label": component.get("label") or raw_name,
            "type": kind,
            "required": bool(validate.get("required")),
            "help_text": component.get("description"),
            "default": component.get("defaultValue"),
        }
        if kind in fs.CHOICE_TYPES:
            values = component.get("values") if isinstance(component.get("values"), list) else []
            field["choices"] = [
                {"value": str(v.get("value", "")), "label": str(v.get("label", v.get("value", "")))}
                for v in values
                if isinstance(v, dict)
            ]
        if kind in fs.TEXT_TYPES:
            field["min"] = _bound(validate.get("minLength"))
            field["max_length"] = _bound(validate.get("maxLength"))
        else:
            field["min"] = _bound(validate.get("min"))
            field["max"] = _bound(validate.get("max"))
        if validate.get("pattern"):
            notes.append(_("field “%(name)s”: its pattern is not kept") % {"name": raw_name})
        fields.append(_finish(field, raw_name, notes))
    return fields, notes
