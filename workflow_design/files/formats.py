"""The file formats of per-model files: CSV, XLSX and JSON, read and written safely.

django-import-export's own formats read text it decodes itself and write cells as they are;
these read bytes through `workflow_design.files.uploads` (within the limits, in the encodings a
spreadsheet writes, with a creator's message for a broken file) and neutralise exported cells
that a spreadsheet would run as formulas.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import tablib
from import_export.formats.base_formats import Format

from ticketflower.text_hygiene import printable
from workflow_design.files import uploads

# Columns that hold a JSON value: JSON text in CSV/XLSX cells, native JSON in JSON files.
JSON_COLUMNS = frozenset(
    {"ext_ref", "fields", "display_layout", "edit_layout", "input_schema", "output_schema", "company_role_access"}
)


class _SafeFormat(Format):
    """Reads bytes through `workflow_design.files.uploads` (limits, encodings, messages), never text.

    Each format names its reader of `workflow_design.files.uploads` as `read_rows(data: bytes) ->
    (headers, rows)`.
    """

    title = ""
    extension = ""
    content_type = "application/octet-stream"

    def __init__(self, encoding=None):
        self.encoding = encoding

    def get_title(self):
        return self.title

    def get_extension(self):
        return self.extension

    def get_content_type(self):
        return self.content_type

    def is_binary(self):
        # Always bytes: the encoding is detected here, not assumed by the admin.
        return True

    def get_read_mode(self):
        return "rb"

    def can_import(self):
        return True

    def can_export(self):
        return True

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, str):
            in_stream = in_stream.encode("utf-8")
        headers, rows = self.read_rows(in_stream)
        dataset = tablib.Dataset(headers=headers)
        for row in rows:
            dataset.append(row)
        return dataset


class SafeCSV(_SafeFormat):
    title = "csv"
    extension = "csv"
    content_type = "text/csv"

    read_rows = staticmethod(uploads.read_csv)

    def export_data(self, dataset, **kwargs):
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(dataset.headers)
        writer.writerows(uploads.neutralise_rows(_as_text_rows(dataset)))
        return out.getvalue()


class SafeXLSX(_SafeFormat):
    title = "xlsx"
    extension = "xlsx"
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    read_rows = staticmethod(uploads.read_xlsx)

    def export_data(self, dataset, **kwargs):
        import openpyxl  # only when a workbook is written

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = (dataset.title or "export")[:31]
        sheet.append(list(dataset.headers))
        for row in uploads.neutralise_rows(dataset):
            # A spreadsheet cannot hold control characters: rows stored before the rule are
            # exported with a visible replacement instead of failing the whole export.
            sheet.append([cell if isinstance(cell, int | float) else printable(_text(cell)) for cell in row])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


class SafeJSON(_SafeFormat):
    title = "json"
    extension = "json"
    content_type = "application/json"

    read_rows = staticmethod(uploads.read_json_rows)

    def export_data(self, dataset, **kwargs):
        # JSON is never opened as a spreadsheet: no neutralising, and JSON columns stay native.
        records = []
        for row in dataset:
            record = {}
            for header, cell in zip(dataset.headers, row, strict=True):
                if header in JSON_COLUMNS and isinstance(cell, str) and cell:
                    cell = json.loads(cell)
                record[header] = cell
            records.append(record)
        return json.dumps(records, ensure_ascii=False, indent=2) + "\n"


FILE_FORMATS = [SafeCSV, SafeXLSX, SafeJSON]
FORMATS_BY_EXTENSION = {fmt.extension: fmt for fmt in FILE_FORMATS}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _as_text_rows(dataset) -> list[list[str]]:
    return [[_text(cell) for cell in row] for row in dataset]
