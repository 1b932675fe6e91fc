"""Editor widgets of the designer admin.

`SharedSchemaJSONFormWidget` is django-jsonform's editor with the editor schema named instead
of embedded: a workflow page has one field-list editor per task (200 tasks → 400 editors), and
embedding the same 2 KB schema in each would make the page megabytes long. The schemas are put
on the page once (`EDITOR_SCHEMAS`, rendered by the change form template) and
`workflow_design/shared_schema.js` hands the named one to the editor.

The rows of that page are written by `workflow_design.fast.designer_widgets`.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django_jsonform.utils import normalize_schema
from django_jsonform.widgets import JSONFormWidget

from workflow_design.fast.designer_widgets import escape, html_attrs
from workflow_design.rules.field_schemas import FIELD_LIST_EDITOR_SCHEMA
from workflow_design.rules.structured_fields import EXT_REF_EDITOR_SCHEMA, LAYOUT_EDITOR_SCHEMA

EDITOR_SCHEMAS: dict[str, dict[str, Any]] = {
    "field_list": normalize_schema(FIELD_LIST_EDITOR_SCHEMA),
    "ext_ref": normalize_schema(EXT_REF_EDITOR_SCHEMA),
    "layout": normalize_schema(LAYOUT_EDITOR_SCHEMA),
}


REACT_JSON_FORM_JS = "django_jsonform/react-json-form.js"
SHARED_SCHEMA_JS = "workflow_design/shared_schema.js"
JSONFORM_INDEX_JS = "django_jsonform/index.js"


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
        return super().media + forms.Media(js=[REACT_JSON_FORM_JS, SHARED_SCHEMA_JS, JSONFORM_INDEX_JS])


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


class TaskReferenceInput(forms.TextInput):
    """A task slug typed or picked from the page's list of this workflow's tasks."""

    template_name = "django/forms/widgets/text.html"

    def __init__(self, placeholder: str, attrs: dict[str, Any] | None = None) -> None:
        # Sized by designer.css, not per-row attributes: a workflow page may hold 600 rows.
        base = {"list": "wd-task-slugs", "placeholder": placeholder}
        super().__init__(attrs={**base, **(attrs or {})})
