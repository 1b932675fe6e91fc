"""The import fields of a per-model file's resource, worked out once an import.

Replaces: django-import-export's `get_import_fields`, which rebuilds the list from the field
order on each call and is asked four times a row (reading the cells, the preview diff's two
sides, the "unchanged" check). The fields do not change during an import. Its saving on the
10,000-row task file is recorded in docs/performance.md (task file import).

It can go when django-import-export keeps the list it works out, or when a row costs so much
more elsewhere that the 10,000-row task file meets its rate target without it.
"""

from __future__ import annotations


class ImportFieldsOnceMixin:
    """Mixed in before the resource class."""

    import_fields: list | None = None

    def get_import_fields(self):
        if self.import_fields is None:
            self.import_fields = super().get_import_fields()
        return self.import_fields
