"""What reading a file may cost: linear JSON reading, rows counted by position (blank rows too),
cells and XML elements counted before a spreadsheet is read."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import override_settings

from workflow_design.files import uploads
from workflow_design.files.limits import UploadRefused
from workflow_design.tests.hostile.corpus import ESCAPED_QUOTES_BUNDLE, sparse_xlsx, wide_xlsx, xlsx_with_sheet


def test_json_of_escaped_quotes_up_to_the_size_limit_is_refused_in_one_pass():
    # A backtracking scan of this text retried from every quote: hours at this size.
    text = ESCAPED_QUOTES_BUNDLE[:100] + b'\\"' * 2_500_000
    with pytest.raises(UploadRefused, match="not valid JSON: Unterminated string"):
        uploads.safe_json_loads(text)


@pytest.mark.parametrize("text", ["[" * 100_000, '{"a":' * 1_000_000])
def test_json_nested_far_beyond_the_limit_is_refused_naming_the_limit(text):
    with pytest.raises(UploadRefused, match="nested more than 40 levels"):
        uploads.safe_json_loads(text.encode())


def test_json_of_escaped_quotes_inside_a_closed_string_is_read():
    assert uploads.safe_json_loads(b'{"a": "' + b'\\"' * 1000 + b'"}') == {"a": '"' * 1000}


@pytest.mark.parametrize("row", [3_000_000, 1_000_000_000])
def test_xlsx_with_one_row_far_below_its_header_is_refused_by_the_rows_position(row):
    data = sparse_xlsx("target", row)
    assert len(data) < 10_000
    with pytest.raises(UploadRefused) as refused:
        uploads.read_xlsx(data)
    assert f"reaches row {row}" in refused.value.message
    assert "a header and 10000 rows, blank rows included" in refused.value.message


def test_xlsx_rows_after_blank_rows_within_the_limit_are_read():
    assert uploads.read_xlsx(sparse_xlsx("target", 50)) == (["workflow", "slug", "title"], [["target", "late", "Late"]])


def test_xlsx_declaring_a_huge_used_range_is_read_by_its_real_rows():
    # The dimension claims a billion rows; only the rows the sheet lists are read.
    data = xlsx_with_sheet(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>slug</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>only</t></is></c></row>',
        dimension="A1:C1000000000",
    )
    assert uploads.read_xlsx(data) == (["slug"], [["only"]])


def test_xlsx_row_listing_more_cells_than_the_cap_is_refused():
    with pytest.raises(UploadRefused, match="more than 250000 cells"):
        uploads.read_xlsx(wide_xlsx(300_000))
    with override_settings(TICKETFLOWER_IMPORT_MAX_CELLS=10), pytest.raises(UploadRefused, match="more than 10 cells"):
        uploads.read_xlsx(wide_xlsx(11))


def test_xlsx_with_more_xml_elements_than_the_cap_is_refused():
    data = xlsx_with_sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>slug</t></is></c></row>')
    assert uploads.read_xlsx(data)[0] == ["slug"]
    with override_settings(TICKETFLOWER_XLSX_MAX_ELEMENTS=20), pytest.raises(UploadRefused, match="more than 20 XML"):
        uploads.read_xlsx(data)


def test_xlsx_with_a_damaged_compressed_part_is_refused_as_damaged():
    data = bytearray(sparse_xlsx("target", 5))
    sheet = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    start = sheet.header_offset + 30 + len(sheet.filename) + len(sheet.extra) + 5
    data[start : start + 20] = bytes(byte ^ 0xFF for byte in data[start : start + 20])
    with pytest.raises(UploadRefused, match="damaged"):
        uploads.read_xlsx(bytes(data))


def test_xlsx_rows_numbered_as_no_number_are_refused_as_damaged():
    data = xlsx_with_sheet('<row r="many"><c r="A1" t="inlineStr"><is><t>slug</t></is></c></row>')
    with pytest.raises(UploadRefused, match="damaged"):
        uploads.read_xlsx(data)


def test_csv_blank_lines_count_against_the_rows():
    data = b"slug,title\n" + b"\n" * 20 + b"a,A\n"
    assert uploads.read_csv(data) == (["slug", "title"], [["a", "A"]])
    with override_settings(TICKETFLOWER_IMPORT_MAX_ROWS=10), pytest.raises(UploadRefused, match="reaches row 12"):
        uploads.read_csv(data)


@override_settings(TICKETFLOWER_IMPORT_MAX_CELLS=5)
def test_files_with_more_cells_than_the_cap_are_refused():
    with pytest.raises(UploadRefused, match="more than 5 cells"):
        uploads.read_csv(b"slug,title\na,A\nb,B\nc,C\n")
    with pytest.raises(UploadRefused, match="more than 5 cells"):
        uploads.read_json_rows(b'[{"slug": "a", "title": "A"}, {"slug": "b"}, {"slug": "c"}]')
    with pytest.raises(UploadRefused, match="more than 5 cells"):
        uploads.read_xlsx(xlsx_with_sheet("<row>" + "<c/>" * 6 + "</row>"))
    assert uploads.read_csv(b"slug,title\na,A\nb,B\n")[1] == [["a", "A"], ["b", "B"]]
