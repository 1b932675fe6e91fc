"""The preview diff of per-model files, made only for a preview, and for new rows once a file.

Replaces: django-import-export's `Diff` on every row of every import. The stock diff reads each
row's values before and after, and runs the diff algorithm on every cell, also in a real import
whose diffs nobody sees (the admin reports a real import by its counts). Here a real import makes
no diff at all; a preview diffs a changed row as import-export does, and shows a new row's cells
straight from one one-part diff each (added, or equal to the empty instance's value), which is
what the stock diff gives for them (a test of the files holds the two equal). New rows are
never compared field by field for "unchanged": a new row always differs from the empty
instance it started as (it names its workflow).

Its saving on the 10,000-row task file is recorded in docs/performance.md (task file import).

It can go when django-import-export lets an import skip the diff per call (its `skip_diff` and
`skip_html_diff` are per resource class, and a preview needs the diff the real import does not)
and builds a new row's diff without diffing each cell.
"""

from __future__ import annotations

from diff_match_patch import diff_match_patch
from django.utils.encoding import force_str
from django.utils.safestring import mark_safe
from import_export import resources


class PreviewDiff(resources.Diff):
    """import-export's diff in a preview; nothing in a real import; new rows' cells one-part diffs."""

    def __init__(self, resource, instance, new):
        self.shown = resource.previewing
        self.left, self.right, self.new = [], [], new
        if not self.shown:
            return
        if not new:
            super().__init__(resource, instance, new)
            return
        # A new row's "before" is the resource's empty instance, the same for every new row.
        if resource.new_row_values is None:
            resource.new_row_values = [field.export(instance) for field in resource.get_import_fields()]
        self.left = list(resource.new_row_values)

    def compare_with(self, resource, instance):
        if self.shown:
            super().compare_with(resource, instance)

    def as_html(self):
        if not self.shown:
            return []
        if not self.new:
            return super().as_html()
        dmp = diff_match_patch()
        html = []
        for before, after in zip(self.left, self.right, strict=False):
            # As import-export does: a new row's differing cell is compared with nothing.
            old, text = (force_str(before) if before == after else ""), force_str(after)
            parts = [(dmp.DIFF_EQUAL if old == text else dmp.DIFF_INSERT, text)] if text else []
            html.append(mark_safe(dmp.diff_prettyHtml(parts)))  # noqa: S308 - escaped by diff_prettyHtml
        return html


class PreviewDiffMixin:
    """For a resource whose new rows all start from the same empty instance (no
    `after_init_instance` that fills it from the row)."""

    previewing = True
    new_row_values: list | None = None

    def import_data(self, dataset, dry_run=False, *args, **kwargs):
        self.previewing, self.new_row_values = dry_run, None
        return super().import_data(dataset, dry_run, *args, **kwargs)

    def get_diff_class(self):
        return PreviewDiff

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if original is not None and original.pk is None:
            return False
        return super().skip_row(instance, original, row, import_validation_errors)
