"""Editor widgets of the designer admin.

`SharedSchemaJSONFormWidget` is django-jsonform's editor with the editor schema named instead
of embedded: a workflow page has one field-list editor per task (200 tasks → 400 editors), and
embedding the same 2 KB schema in each would make the page megabytes long. The schemas are put
on the page once (`EDITOR_SCHEMAS`, rendered by the change form template) and
`workflow_design/shared_schema.js` hands the named one to the editor.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django_jsonform.utils import normalize_schema
from django_jsonform.widgets import JSONFormWidget

from .field_schemas import FIELD_LIST_EDITOR_SCHEMA
from .structured_fields import EXT_REF_EDITOR_SCHEMA, LAYOUT_EDITOR_SCHEMA

EDITOR_SCHEMAS: dict[str, dict[str, Any]] = {
    "field_list": normalize_schema(FIELD_LIST_EDITOR_SCHEMA),
    "ext_ref": normalize_schema(EXT_REF_EDITOR_SCHEMA),
    "layout": normalize_schema(LAYOUT_EDITOR_SCHEMA),
}


class SharedSchemaJSONFormWidget(JSONFormWidget):
    """A django-jsonform editor whose schema is one of `EDITOR_SCHEMAS`, referenced by name."""

    def __init__(self, schema_name: str, attrs: dict[str, Any] | None = None) -> None:
        if schema_name not in EDITOR_SCHEMAS:
            raise ValueError(f"Unknown editor schema {schema_name!r}")
        self.schema_name = schema_name
        super().__init__(schema=EDITOR_SCHEMAS[schema_name], attrs=attrs)

    def render(self, name, value, attrs=None, renderer=None):
        context = self.get_context(name, value, attrs)
        attrs = attrs or {}
        context["widget"]["config"] = json.dumps(
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
        css = context["widget"]["attrs"].get("class", "")
        context["widget"]["attrs"]["class"] = f"{css} django-jsonform-container".strip()
        return mark_safe(render_to_string(self.template_name, context))  # noqa: S308 - django-jsonform's template

    @property
    def media(self):
        base = super().media
        # The shim wraps reactJsonForm.createForm, so it must load after react-json-form.js
        # and before index.js (which builds the editors).
        js = list(base._js)
        js.insert(js.index("django_jsonform/index.js"), "workflow_design/shared_schema.js")
        return forms.Media(css=base._css, js=js)


class TaskReferenceInput(forms.TextInput):
    """A task slug typed or picked from the page's list of this workflow's tasks."""

    template_name = "django/forms/widgets/text.html"

    def __init__(self, placeholder: str, attrs: dict[str, Any] | None = None) -> None:
        # Sized by designer.css, not per-row attributes: a workflow page may hold 600 rows.
        base = {"list": "wd-task-slugs", "placeholder": placeholder}
        super().__init__(attrs={**base, **(attrs or {})})
