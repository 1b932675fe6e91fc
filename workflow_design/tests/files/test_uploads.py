"""Hostile and broken files: refused with a message before they cost memory or time."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from workflow_design.files import limits, uploads
from workflow_design.files.limits import UploadRefused


def xlsx_bytes(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rebuilt(data: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, (replace or {}).get(info.filename, source.read(info.filename)))
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def test_size_limit_refuses_before_reading_everything():
    stream = io.BytesIO(b"x" * 1000)
    with override_settings(TICKETFLOWER_MAX_UPLOAD_BYTES=100), pytest.raises(UploadRefused, match="up to"):
        limits.read_limited(stream)
    assert stream.tell() == 101  # one byte past the limit, never the whole file


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ("slug,title\na,Café\n".encode("utf-8-sig"), "Café"),
        ("slug,title\na,Café\n".encode("utf-16"), "Café"),
        ("slug,title\na,Café – 5 €\n".encode("cp1252"), "Café – 5 €"),
        ("slug,title\na,Café\n".encode(), "Café"),
    ],
)
def test_csv_in_common_encodings_is_read(data, text):
    headers, rows = uploads.read_csv(data)
    assert headers == ["slug", "title"] and rows == [["a", text]]


def test_binary_file_named_csv_is_refused():
    with pytest.raises(UploadRefused, match="not a text file"):
        uploads.read_csv(b"slug\x00title\n")
    with pytest.raises(UploadRefused, match="spreadsheet"):
        uploads.read_csv(xlsx_bytes([["slug"]]))


def test_csv_semicolons_ragged_lines_and_huge_cells():
    assert uploads.read_csv(b"slug;title\na;A\n") == (["slug", "title"], [["a", "A"]])
    with pytest.raises(UploadRefused, match="Line 3 has 3 cells but the first line names 2 columns"):
        uploads.read_csv(b"slug,title\na,A\nb,B,extra\n")
    with pytest.raises(UploadRefused, match="Line 2 is not valid CSV"):
        uploads.read_csv(b'slug,title\na,"' + b"x" * 200_000 + b'"\n')
    with pytest.raises(UploadRefused, match="appears twice"):
        uploads.read_csv(b"slug,slug\na,b\n")
    with pytest.raises(UploadRefused, match="empty"):
        uploads.read_csv(b"\n\n")


def test_row_limit():
    with override_settings(TICKETFLOWER_IMPORT_MAX_ROWS=3), pytest.raises(UploadRefused, match="more than 3 rows"):
        uploads.read_csv(b"slug\n" + b"a\n" * 4)


def test_xlsx_is_read_with_formulas_as_values_never_run():
    data = xlsx_bytes([["slug", "title", "position"], ["a", "'=1+1", 2.0], [None, None, None]])
    assert uploads.read_xlsx(data) == (["slug", "title", "position"], [["a", "=1+1", 2]])


def test_xlsx_that_expands_beyond_the_cap_is_refused():
    data = xlsx_bytes([["slug"], ["a" * 5000]])
    with override_settings(TICKETFLOWER_XLSX_MAX_UNCOMPRESSED_BYTES=4000):
        with pytest.raises(UploadRefused, match="would expand to"):
            uploads.read_xlsx(data)


def test_xlsx_with_too_many_parts_is_refused():
    data = rebuilt(xlsx_bytes([["slug"]]), add={f"xl/media/x{i}.bin": b"" for i in range(300)})
    with pytest.raises(UploadRefused, match="more than 200 parts"):
        uploads.read_xlsx(data)


def test_zip_that_is_not_a_workbook_and_damaged_xlsx_are_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(UploadRefused, match="not an XLSX workbook"):
        uploads.read_xlsx(out.getvalue())
    with pytest.raises(UploadRefused, match="damaged"):
        uploads.read_xlsx(xlsx_bytes([["slug"]])[:400])
    with pytest.raises(UploadRefused, match="not an XLSX file"):
        uploads.read_xlsx(b"slug,title\n")


def test_xlsx_with_xml_entities_is_refused_not_expanded():
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>'
    )
    data = rebuilt(xlsx_bytes([["slug"]]), replace={"xl/worksheets/sheet1.xml": laughs})
    with pytest.raises(UploadRefused, match="damaged"):
        uploads.read_xlsx(data)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[" * 100 + "]" * 100, "nested more than 40"),
        ('{"a": ' + "9" * 5000 + "}", "more than 30 digits"),
        ('{"a": NaN}', "not a JSON number"),
        ('{"a": 1e999}', "too large"),
        ('{"a": }', "line 1, column 7"),
        ('"not closed', "not valid JSON"),
    ],
)
def test_hostile_json_is_refused_cleanly(text, words):
    with pytest.raises(UploadRefused, match=words):
        uploads.safe_json_loads(text.encode())


def test_brackets_inside_strings_do_not_count_as_nesting():
    assert uploads.safe_json_loads(('{"a": "' + "[" * 500 + '"}').encode()) == {"a": "[" * 500}


def test_json_rows_must_be_a_list_of_objects():
    assert uploads.read_json_rows(b'[{"slug": "a"}, {"slug": "b", "title": "B"}]') == (
        ["slug", "title"],
        [["a", ""], ["b", "B"]],
    )
    with pytest.raises(UploadRefused, match="list of objects"):
        uploads.read_json_rows(b'{"slug": "a"}')


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx", "'=x", "''+x"])
def test_neutralised_cells_never_start_a_formula(value):
    cell = uploads.neutralise_cell(value)
    assert cell.startswith("'") and uploads.restore_cell(cell) == value


@given(st.text(max_size=20))
def test_neutralise_then_restore_gives_back_any_text(value):
    cell = uploads.neutralise_cell(value)
    assert not cell.startswith(uploads.FORMULA_TRIGGERS)
    assert uploads.restore_cell(cell) == value
