"""Editor widgets of the designer admin.

`SharedSchemaJSONFormWidget` is django-jsonform's editor with the editor schema named instead
of embedded: a workflow page has one field-list editor per task (200 tasks → 400 editors), and
embedding the same 2 KB schema in each would make the page megabytes long. The schemas are put
on the page once (`EDITOR_SCHEMAS`, rendered by the change form template) and
`workflow_design/shared_schema.js` hands the named one to the editor; a field list gets the form
builder of that script (each field shows only the settings its type uses) with a live preview.

The preview (`workflow_design/form_preview.js`) draws the form the worker fills from the JSON
Schema `rules/field_schemas.py` generates, with that schema's validation; `form_preview_html`
writes it on read-only pages and `value_errors` gives the server's messages for one value, the
same words the preview shows.

The rows of that page are written by `workflow_design.fast.designer_widgets`.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from django import forms
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse_lazy
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy, ngettext
from django_jsonform.utils import normalize_schema
from django_jsonform.widgets import JSONFormWidget
from jsonschema import Draft202012Validator

from workflow_design.fast.designer_widgets import escape, html_attrs
from workflow_design.rules.field_schemas import (
    CHOICE_TYPES,
    FIELD_LIST_EDITOR_SCHEMA,
    FIELD_TYPES,
    NUMERIC_TYPES,
    TEXT_TYPES,
    field_list_errors,
    field_list_to_json_schema,
    fields_by_name,
)
from workflow_design.rules.structured_fields import EXT_REF_EDITOR_SCHEMA, LAYOUT_EDITOR_SCHEMA

# The words of the preview and of the dry run's value checks, one catalogue for both.
PREVIEW_MESSAGES: dict[str, Any] = {
    "required": gettext_lazy("This field is required."),
    "type_integer": gettext_lazy("Enter a whole number."),
    "type_number": gettext_lazy("Enter a number."),
    "type_string": gettext_lazy("Enter text."),
    "type_boolean": gettext_lazy("Pick yes or no."),
    "type_array": gettext_lazy("Pick from the listed choices."),
    "minimum": gettext_lazy("Enter a value of at least %(limit)s."),
    "maximum": gettext_lazy("Enter a value of at most %(limit)s."),
    "minLength": gettext_lazy("Enter at least %(limit)s characters."),
    "maxLength": gettext_lazy("Enter at most %(limit)s characters."),
    "enum": gettext_lazy("Pick one of the listed choices."),
    "uniqueItems": gettext_lazy("Pick each choice once."),
    "format_email": gettext_lazy("Enter an email address."),
    "format_date": gettext_lazy("Enter a date (YYYY-MM-DD)."),
    "yes": gettext_lazy("Yes"),
    "no": gettext_lazy("No"),
    "empty": "---------",
    "no_fields": gettext_lazy("This form has no fields."),
    "check": gettext_lazy("Check the values"),
    "valid": gettext_lazy("Every value is valid."),
}

_LENGTHS = {"min": gettext_lazy("Min length"), "max_length": gettext_lazy("Max length")}

# What the form builder needs: where the server turns a list into its JSON Schema, the types,
# the settings each type uses (the others are not shown) and the builder's words.
FIELD_BUILDER: dict[str, Any] = {
    "url": reverse_lazy("admin:workflow_design_workflowdefinition_form_preview"),
    # The type names are the ones the rules spell (field_schemas.FIELD_TYPES), asked of the catalogue.
    "types": [(value, gettext_lazy(label)) for value, label in FIELD_TYPES.items()],
    "options": {
        field_type: (
            ["choices"]
            if field_type in CHOICE_TYPES
            else ["min", "max"]
            if field_type in NUMERIC_TYPES
            else ["min", "max_length"]
            if field_type in TEXT_TYPES
            else []
        )
        for field_type in FIELD_TYPES
    },
    "option_labels": {
        "min": gettext_lazy("Minimum"),
        "max": gettext_lazy("Maximum"),
        **{f"{field_type}.{key}": label for field_type in TEXT_TYPES for key, label in _LENGTHS.items()},
    },
    "default_hints": {
        "boolean": gettext_lazy("true or false"),
        "multiple_choice": gettext_lazy("values, comma-separated"),
        "date": "YYYY-MM-DD",
    },
    "words": {
        "label": gettext_lazy("Label"),
        "name": gettext_lazy("Name"),
        "type": gettext_lazy("Type"),
        "required": gettext_lazy("Required"),
        "help_text": gettext_lazy("Help text"),
        "default": gettext_lazy("Default"),
        "choices": gettext_lazy("Choices"),
        "value": gettext_lazy("Value"),
        "add_choice": gettext_lazy("Add a choice"),
        "remove_choice": gettext_lazy("Remove this choice"),
        "add_field": gettext_lazy("Add a field"),
        "remove_field": gettext_lazy("Remove this field"),
        "move_up": gettext_lazy("Move up"),
        "move_down": gettext_lazy("Move down"),
        "preview": gettext_lazy("Preview: the form as the worker sees it"),
        "unavailable": gettext_lazy("The preview could not be updated; the list is kept as typed."),
    },
}

EDITOR_SCHEMAS: dict[str, dict[str, Any]] = {
    "field_list": normalize_schema(FIELD_LIST_EDITOR_SCHEMA),
    "ext_ref": normalize_schema(EXT_REF_EDITOR_SCHEMA),
    "layout": normalize_schema(LAYOUT_EDITOR_SCHEMA),
    "field_builder": FIELD_BUILDER,
}


REACT_JSON_FORM_JS = "django_jsonform/react-json-form.js"
SHARED_SCHEMA_JS = "workflow_design/shared_schema.js"
JSONFORM_INDEX_JS = "django_jsonform/index.js"
FORM_PREVIEW_JS = "workflow_design/form_preview.js"
FORM_PREVIEW_MEDIA = forms.Media(js=[FORM_PREVIEW_JS], css={"all": ["workflow_design/form_preview.css"]})


class SharedSchemaJSONFormWidget(JSONFormWidget):
    """A django-jsonform editor whose schema is one of `EDITOR_SCHEMAS`, referenced by name."""

    def __init__(self, schema_name: str, attrs: dict[str, Any] | None = None) -> None:
        if schema_name not in EDITOR_SCHEMAS:
            raise ValueError(f"Unknown editor schema {schema_name!r}")
        self.schema_name = schema_name
        super().__init__(schema=EDITOR_SCHEMAS[schema_name], attrs=attrs)

    # Written closed: a summary and an "Edit" button; designer.js opens the editor on demand.
    opens_on_demand = False

    def closed(self) -> SharedSchemaJSONFormWidget:
        """This editor written closed. A page of 200 saved tasks would otherwise build 200
        editors in the browser before it can be used; the value is in the textarea, so a
        save without opening it (or without JavaScript) keeps the value as it is."""
        widget = copy.copy(self)
        widget.attrs = dict(self.attrs)
        widget.opens_on_demand = True
        return widget

    def render(self, name, value, attrs=None, renderer=None):
        attrs = attrs or {}
        config = json.dumps(
            {
                "data": value or json.dumps(""),
                "schema": None,
                "schemaRef": self.schema_name,
                "fileHandler": "",
                "fileHandlerArgs": {},
                "errorMap": getattr(self, "error_map", {}),
                "validateOnSubmit": False,
                "readonly": attrs.get("disabled", False),
            },
            separators=(",", ":"),
        )
        widget_attrs = self.build_attrs(self.attrs, attrs)
        css = widget_attrs.get("class", "")
        widget_attrs["class"] = f"{css} django-jsonform-container".strip()
        # django-jsonform's editor.html, built here: a workflow page holds one editor per task.
        # The container takes every attribute but the id (the textarea has it) and `required`.
        container_attrs = {key: value for key, value in widget_attrs.items() if key not in ("id", "required")}
        textarea_id = widget_attrs.get("id", "")
        closed, content, config_name = "", "", "data-django-jsonform"
        if self.opens_on_demand:
            # django-jsonform builds editors for `data-django-jsonform`: the config waits
            # under another name, and the textarea holds the value a save sends unopened.
            closed = (
                f'<div class="wd-editor-closed"><span class="wd-editor-summary">{escape(field_summary(value))}</span> '
                f'<button type="button" class="button wd-editor-open"{html_attrs({"aria-controls": textarea_id})}>'
                f"{escape(gettext('Edit'))}</button></div>"
            )
            content, config_name = escape(value or ""), "data-wd-jsonform"
        return mark_safe(  # noqa: S308 - every value is escaped by html_attrs or escape
            f'{closed}<div data-django-jsonform-container="true"{html_attrs(container_attrs)}></div>'
            f'<textarea cols="40"{html_attrs({"id": textarea_id, "name": name})} rows="10"'
            f'{" disabled" if widget_attrs.get("disabled") else ""} style="display: none;"'
            f"{html_attrs({config_name: config})}>{content}</textarea>"
        )

    @property
    def media(self):
        # The shim wraps reactJsonForm.createForm, so it must load after react-json-form.js
        # and before index.js (which builds the editors): Django's media merge keeps the order
        # of both lists, so naming its two neighbours places it between them.
        shared = forms.Media(js=[REACT_JSON_FORM_JS, SHARED_SCHEMA_JS, JSONFORM_INDEX_JS])
        return super().media + shared + FORM_PREVIEW_MEDIA


def field_summary(value) -> str:
    """A field list in a few words ("2 fields: Approved, Comment"), for a closed editor."""
    try:
        fields = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        fields = None
    if not isinstance(fields, list):
        return gettext("Edit to see the fields")
    if not fields:
        return gettext("No fields")
    names = [str(f.get("label") or f.get("name") or "?") if isinstance(f, dict) else "?" for f in fields]
    return ngettext("%(count)d field: %(names)s", "%(count)d fields: %(names)s", len(names)) % {
        "count": len(names),
        "names": ", ".join(names),
    }


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder)


def preview_widgets(fields: Any) -> dict[str, str]:
    """Each field's type, by name: the schema spells a long text like a text, the preview not."""
    return {name: str(field.get("type")) for name, field in fields_by_name(fields).items()}


def form_preview_data(fields: Any, title: str = "") -> dict[str, Any]:
    """What the preview draws a field list from: its problems, or its JSON Schema."""
    errors = field_list_errors(fields)
    schema = None if errors else field_list_to_json_schema(fields or [], title=title)
    return {"errors": errors, "schema": schema, "widgets": preview_widgets(fields), "messages": PREVIEW_MESSAGES}


def form_preview_html(fields: Any, title: str):
    """A field list shown read-only: the form as the worker sees it (drawn by form_preview.js,
    checked as its schema checks) and the generated JSON Schema for integrators to copy."""
    data = form_preview_data(fields, title)
    if data["errors"]:
        return gettext("Fix the fields above first; the JSON Schema is generated from valid fields.")
    return format_html(
        '<div class="wd-form-preview" data-wd-schema="{}" data-wd-widgets="{}" data-wd-messages="{}"></div>'
        '<details class="wd-json-schema"><summary>{}</summary><pre>{}</pre></details>',
        _json(data["schema"]),
        _json(data["widgets"]),
        _json(PREVIEW_MESSAGES),
        gettext("Show the generated JSON Schema (draft 2020-12)"),
        json.dumps(data["schema"], indent=2, ensure_ascii=False),
    )


# A field list and its JSON Schema row, replaced on a read-only page by the list's preview.
FIELD_LIST_PREVIEWS = {
    "fields": "fields_json_schema",
    "input_schema": "input_json_schema",
    "output_schema": "output_json_schema",
}
# Related rows shown as text: a link would lead most creators to a page they may not open (403).
AS_TEXT_ALWAYS = ("created_by",)
AS_TEXT_WHEN_READ_ONLY = ("assignee_role",)


def shown_fieldsets(fieldsets: list, *, read_only: bool) -> list:
    """The fieldsets with the people and roles as text (`<name>_text`, methods of the design
    admins) and, read-only, each field list as its preview (`<name>_preview`) without the
    separate JSON Schema row the preview holds."""
    as_text = AS_TEXT_ALWAYS + (AS_TEXT_WHEN_READ_ONLY if read_only else ())
    dropped = set(FIELD_LIST_PREVIEWS.values()) if read_only else set()

    def swapped(names):
        out = []
        for name in names:
            if isinstance(name, (list, tuple)):
                out.append(swapped(name))
            elif read_only and name in FIELD_LIST_PREVIEWS:
                out.append(f"{name}_preview")
            elif name in as_text:
                out.append(f"{name}_text")
            elif name not in dropped:
                out.append(name)
        return tuple(out)

    return [(title, {**options, "fields": swapped(options.get("fields", ()))}) for title, options in fieldsets]


def value_errors(schema: dict[str, Any], value: Any) -> list[str]:
    """The messages for one value against one field's JSON Schema: the words the preview shows."""
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    messages = []
    for error in validator.iter_errors(value):
        key = str(error.validator)
        if key in ("type", "format"):
            key = f"{key}_{error.validator_value}"
        text = PREVIEW_MESSAGES.get(key)
        messages.append(str(text) % {"limit": error.validator_value} if text else error.message)
    return messages


def value_check_attrs(schema: dict[str, Any]) -> dict[str, str]:
    """Attributes that let form_preview.js check an input as it is typed, with the same words."""
    return {"data-wd-value-schema": _json(schema), "data-wd-messages": _json(PREVIEW_MESSAGES)}


class TaskReferenceInput(forms.TextInput):
    """A task slug typed or picked from the page's list of this workflow's tasks.

    The input is followed by the list the page shows in its place (designer.js hides the input
    and fills the list when it is opened). The list is written here holding the one task the
    row names, by title, so a page of 600 transitions reads right as it arrives instead of
    waiting for a script to make 1,200 lists.
    """

    template_name = "django/forms/widgets/text.html"

    def __init__(self, placeholder: str, empty_label: str = "", label: str = "", attrs: dict[str, Any] | None = None):
        # Sized by designer.css, not per-row attributes: a workflow page may hold 600 rows.
        base = {"list": "wd-task-slugs", "placeholder": placeholder, "class": "wd-task-ref"}
        super().__init__(attrs={**base, **(attrs or {})})
        self.empty_label = empty_label
        self.label = label
        # The tasks the row may name (forms.TaskRefs), set by the row's form.
        self.task_refs = None

    def render(self, name, value, attrs=None, renderer=None):
        return super().render(name, value, attrs, renderer) + self.html_after_input(value)

    def html_after_input(self, value) -> str:
        """The list shown for the input: the task `value` names, by its title."""
        # The words are the same on every row: translated once per form (the rows of a
        # workflow page share one).
        words = self.__dict__.get("_picker_words")
        if words is None:
            empty = escape(self.empty_label)
            words = self._picker_words = (
                f'<select class="wd-task-pick" data-empty="{empty}" aria-label="{escape(self.label)}">',
                f'<option value="" selected>{empty}</option></select>',
            )
        start, empty_option = words
        slug = value.strip() if isinstance(value, str) else ""
        if not slug:
            return start + empty_option
        task = self.task_refs.resolve(slug) if self.task_refs is not None else None
        shown = (task.title or slug) if task is not None else f"{slug} ?"
        return f'{start}<option value="{escape(slug)}" selected>{escape(shown)}</option></select>'
