"""The readers of per-model files (CSV, XLSX, JSON rows), of JSON text, and the cells we export.

Every import path (admin, command line, API) reads files through these readers, so a hostile
or broken file is refused the same way everywhere, within the limits of
`workflow_design.files.limits`, with a message a creator can act on instead of a traceback.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable
from typing import Any
from xml.parsers import expat

from django.utils.translation import gettext as _

from workflow_design.files import limits
from workflow_design.files.limits import UploadRefused

# Text and CSV ------------------------------------------------------------------------

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def decode_text(data: bytes) -> str:
    """Decode a text file: a byte-order mark wins, then UTF-8, then Windows-1252 (Excel's CSV)."""
    if isinstance(data, str):
        return data
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                break
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise UploadRefused(_("This is a spreadsheet (XLSX/XLS) file, not a text file; choose the XLSX format."))
    if b"\x00" in data:
        raise UploadRefused(_("This is not a text file (it contains binary data)."))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise UploadRefused(
            _("The file's text encoding could not be recognised; save it as UTF-8 (e.g. 'CSV UTF-8' in Excel).")
        )


def _check_headers(headers: list[str]) -> list[str]:
    headers = [str(h if h is not None else "").strip() for h in headers]
    if not any(headers):
        raise UploadRefused(_("The first line must name the columns."))
    limits.ensure_columns(len(headers))
    seen: set[str] = set()
    for name in headers:
        if name and name in seen:
            raise UploadRefused(_('The column "%(name)s" appears twice.') % {"name": name})
        seen.add(name)
    return headers


def read_csv(data: bytes) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of a CSV file (delimiter `,` or `;`), cells un-neutralised."""
    limits.ensure_size(len(data))
    text = decode_text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[Any]] = []
    headers: list[str] | None = None
    try:
        for position, record in enumerate(reader, start=1):
            if not any(cell.strip() for cell in record):
                limits.ensure_row_position(position)  # blank lines cost a read too
                continue
            if headers is None:
                headers = _check_headers(record)
                continue
            if len(record) != len(headers):
                raise UploadRefused(
                    _("Line %(line)d has %(got)d cells but the first line names %(want)d columns.")
                    % {"line": reader.line_num, "got": len(record), "want": len(headers)}
                )
            rows.append([restore_cell(cell) for cell in record])
            limits.ensure_rows(len(rows))
            limits.ensure_row_position(position)
            limits.ensure_cells(len(rows) * len(headers))
    except csv.Error as exc:
        raise UploadRefused(_("Line %(line)d is not valid CSV: %(reason)s.") % {"line": reader.line_num, "reason": exc})
    if headers is None:
        raise UploadRefused(_("The file is empty."))
    return headers, rows


# XLSX --------------------------------------------------------------------------------


def check_xlsx_container(data: bytes) -> None:
    """Refuse an XLSX whose zip container is not one, or would expand beyond the caps."""
    if not data.startswith(b"PK\x03\x04"):
        raise UploadRefused(_("This is not an XLSX file; choose the format the file really has."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            # Declared sizes are binding: zipfile stops reading an entry at its declared size.
            limits.ensure_xlsx_container(len(entries), sum(entry.file_size for entry in entries))
            if "xl/workbook.xml" not in archive.namelist():
                raise UploadRefused(_("This zip file is not an XLSX workbook."))
            XLSXCensus().count(archive)
    except UploadRefused:
        raise
    except Exception:  # zipfile, zlib and expat raise many kinds for a damaged file; all mean the same.
        raise UploadRefused(_("The XLSX file is damaged and cannot be read."))


# How a cell element starts in the bytes, with or without a namespace prefix.
_CELL_TAG_STARTS = tuple(prefix + b"c" + end for prefix in (b"<", b":") for end in (b" ", b">", b"/", b"\n", b"\t"))
# What starts with "<" and is not an element: end tags, declarations, comments.
_NOT_ELEMENT_STARTS = (b"</", b"<?", b"<!")


class XLSXCensus:
    """Counts what the XML parts of an XLSX hold, in one linear pass without building a tree,
    before any of it is parsed for its content: every element against the element cap, every
    cell against the cell cap, and every row at its position (a row numbered 3,000,000 costs the
    2,999,999 blank rows a sheet reader gives before it). DTDs are refused outright: an XLSX has
    none, and entity expansion is how an XML file becomes a bomb."""

    def __init__(self):
        self.elements = self.estimated_elements = 0
        self.cells = self.estimated_cells = 0
        self.row_position = 0
        self.max_elements = limits.xlsx_max_elements()
        self.max_cells = limits.max_cells()

    def count(self, archive: zipfile.ZipFile) -> None:
        parts = [entry for entry in archive.infolist() if entry.filename.endswith((".xml", ".rels"))]
        for entry in parts:
            self._estimate(archive, entry)
        for entry in parts:
            self.row_position = 0
            parser = expat.ParserCreate()
            parser.StartDoctypeDeclHandler = self._refuse_doctype
            parser.StartElementHandler = self._element
            with archive.open(entry) as stream:
                parser.ParseFile(stream)

    def _estimate(self, archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> None:
        """Cells and elements counted in the bytes at C speed, before the exact count (one Python
        call an element): a part far over a cap is refused in milliseconds. The byte counts can
        only be off by a tag split between two chunks, and the exact count follows anyway."""
        with archive.open(entry) as stream:
            while chunk := stream.read(1 << 20):
                self.estimated_cells += sum(chunk.count(tag) for tag in _CELL_TAG_STARTS)
                self.estimated_elements += chunk.count(b"<") - sum(chunk.count(s) for s in _NOT_ELEMENT_STARTS)
                if self.estimated_cells > self.max_cells:
                    limits.ensure_cells(self.estimated_cells)
                if self.estimated_elements > self.max_elements:
                    limits.ensure_xlsx_elements(self.estimated_elements)

    def _refuse_doctype(self, *args) -> None:
        raise UploadRefused(_("The XLSX file is damaged and cannot be read."))

    def _element(self, name: str, attributes: dict[str, str]) -> None:
        self.elements += 1
        if self.elements > self.max_elements:
            limits.ensure_xlsx_elements(self.elements)
        local = name.rpartition(":")[2]
        if local == "c":
            self.cells += 1
            if self.cells > self.max_cells:
                limits.ensure_cells(self.cells)
        elif local == "row":
            number = attributes.get("r")
            # A row without a number follows the one before, as spreadsheet readers count.
            self.row_position = int(float(number)) if number else self.row_position + 1
            limits.ensure_row_position(self.row_position)


def _xlsx_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return restore_cell(value)
    return value


def read_xlsx(data: bytes) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the first sheet; formulas are read as their stored values, never run."""
    limits.ensure_size(len(data))
    check_xlsx_container(data)
    import openpyxl

    # openpyxl parses with defusedxml when it is installed (it is a requirement).
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for damaged files; all mean the same here.
        raise UploadRefused(_("The XLSX file is damaged and cannot be read."))
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise UploadRefused(_("The XLSX file has no sheet."))
        headers: list[str] | None = None
        rows: list[list[Any]] = []
        try:
            # The census has refused rows beyond the limit; naming the last row here also keeps
            # the reader from padding up to a larger row count the sheet merely declares.
            last_row = limits.max_rows() + 1
            for record in sheet.iter_rows(values_only=True, max_col=limits.max_columns() + 1, max_row=last_row):
                values = [_xlsx_value(v) for v in record]
                if not any(str(v).strip() for v in values):
                    continue
                if headers is None:
                    while values and values[-1] == "":
                        values.pop()
                    headers = _check_headers([str(v) for v in values])
                    continue
                values = (values + [""] * len(headers))[: len(headers)]
                rows.append(values)
                limits.ensure_rows(len(rows))
                limits.ensure_cells(len(rows) * len(headers))
        except UploadRefused:
            raise
        except Exception:
            raise UploadRefused(_("The XLSX file is damaged and cannot be read."))
        if headers is None:
            raise UploadRefused(_("The file is empty."))
        return headers, rows
    finally:
        book.close()


# JSON --------------------------------------------------------------------------------


def _parse_int(token: str) -> int:
    limits.ensure_number_digits(token)
    return int(token)


def _parse_float(token: str) -> float:
    if len(token) > limits.JSON_MAX_NUMBER_DIGITS + 10:
        raise UploadRefused(_("The file contains a number that is too long."))
    value = float(token)
    if value in (float("inf"), float("-inf")):
        raise UploadRefused(_("The file contains a number that is too large."))
    return value


def _parse_constant(token: str) -> Any:
    raise UploadRefused(_("%(token)s is not a JSON number.") % {"token": token})


def safe_json_loads(data: bytes | str) -> Any:
    """Parse JSON text, refusing deep nesting, huge numbers and NaN/Infinity with a message."""
    if isinstance(data, bytes):
        limits.ensure_size(len(data))
        text = decode_text(data)
    else:
        limits.ensure_size(len(data.encode("utf-8", "surrogatepass")))
        text = data
    # The C parser reads in one pass, linear in the text, whatever the text holds; nesting is
    # checked on what it gives (a pre-scan of the text by regular expression was quadratic).
    try:
        document = json.loads(text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant)
    except json.JSONDecodeError as exc:
        raise UploadRefused(
            _("The file is not valid JSON: %(reason)s at line %(line)d, column %(col)d.")
            % {"reason": exc.msg, "line": exc.lineno, "col": exc.colno}
        )
    except RecursionError:  # nested far beyond the limit: the parser stopped at its own
        raise limits.json_too_deep()
    if text.count("[") + text.count("{") > limits.json_max_depth():  # else it cannot nest deeper
        limits.ensure_json_value_depth(document)
    return document


def read_json_rows(data: bytes) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of a JSON list of objects (one object per row)."""
    document = safe_json_loads(data)
    if not isinstance(document, list) or any(not isinstance(item, dict) for item in document):
        raise UploadRefused(_("The JSON file must be a list of objects, one per row."))
    limits.ensure_rows(len(document))
    headers: list[str] = []
    for item in document:
        for key in item:
            if key not in headers:
                headers.append(key)
    _check_headers(headers or ["-"])
    limits.ensure_cells(len(document) * len(headers))
    return headers, [[item.get(key, "") for key in headers] for item in document]


# Formula neutralisation --------------------------------------------------------------

# A spreadsheet runs a cell that starts with one of these as a formula (or DDE command).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# The prefix is a quote: spreadsheets show the rest as text and never evaluate it.
NEUTRAL_PREFIX = "'"


def neutralise_cell(value: Any) -> Any:
    """Text that a spreadsheet would run gets a leading quote; a leading quote is doubled
    when what follows would need one, so `restore_cell` gives back the exact text."""
    if isinstance(value, str) and (
        value.startswith(FORMULA_TRIGGERS) or (value.startswith(NEUTRAL_PREFIX) and _needs_prefix(value[1:]))
    ):
        return NEUTRAL_PREFIX + value
    return value


def _needs_prefix(rest: str) -> bool:
    return rest.startswith(FORMULA_TRIGGERS) or (rest.startswith(NEUTRAL_PREFIX) and _needs_prefix(rest[1:]))


def restore_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(NEUTRAL_PREFIX) and _needs_prefix(value[1:]):
        return value[1:]
    return value


def neutralise_rows(rows: Iterable[Iterable[Any]]) -> list[list[Any]]:
    return [[neutralise_cell(cell) for cell in row] for row in rows]
