"""Cell widgets of per-model files: how one cell becomes a model value, and back.

Cells only parse: text, whole numbers, JSON values and references by slug. Whether the value is
allowed is decided by the models and the services the rows are written through.
"""

from __future__ import annotations

import json

from django.db import models
from django.utils.translation import gettext as _
from import_export import widgets

from workflow_design.files import uploads


class TextCell(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, list | dict):
            raise ValueError(_("Expected text, not a JSON value."))
        return super().clean(value, row, **kwargs)


class WholeNumberCell(widgets.Widget):
    """A whole number; an empty cell means the model's default."""

    def __init__(self, default: int):
        super().__init__(coerce_to_string=False)
        self.default = default

    def clean(self, value, row=None, **kwargs):
        if value is None or (isinstance(value, str) and not value.strip()):
            return self.default
        if isinstance(value, bool):
            raise ValueError(_("Expected a whole number."))
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, int):
            return value
        text = str(value).strip()
        if not text.lstrip("-").isdigit() or len(text) > 12:
            raise ValueError(_('Expected a whole number, not "%(value)s".') % {"value": text[:40]})
        return int(text)

    def render(self, value, obj=None, **kwargs):
        return value


class JSONCell(widgets.Widget):
    """A JSON value: native in JSON files, JSON text in CSV and XLSX cells; empty means []."""

    def clean(self, value, row=None, **kwargs):
        if value is None or (isinstance(value, str) and not value.strip()):
            return []
        if isinstance(value, list | dict):
            return value
        try:
            return uploads.safe_json_loads(str(value))
        except uploads.UploadRefused as exc:
            raise ValueError(str(exc).replace(_("The file"), _("The cell")))

    def render(self, value, obj=None, **kwargs):
        return json.dumps(value if value is not None else [], ensure_ascii=False)


class SlugReference(widgets.Widget):
    """A reference by slug, resolved by the resource from the rows it prefetched."""

    def __init__(self, resolve, *, allow_empty: bool = False):
        super().__init__(coerce_to_string=True)
        self.resolve = resolve
        self.allow_empty = allow_empty

    def clean(self, value, row=None, **kwargs):
        slug = "" if value is None else str(value).strip()
        if not slug:
            if self.allow_empty:
                return None
            raise ValueError(_("A slug is required."))
        return self.resolve(slug, row or {})

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value.slug


def widget_for(django_field):
    """The cell widget of a model field, by its kind; None lets import-export choose."""
    if isinstance(django_field, models.JSONField):
        return JSONCell
    if isinstance(django_field, models.PositiveIntegerField):
        return lambda **kw: WholeNumberCell(default=django_field.default)
    if isinstance(django_field, models.CharField | models.TextField):
        return TextCell
    return None
