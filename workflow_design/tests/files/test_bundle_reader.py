"""The one bundle reader: bytes, text, files and parsed request bodies, refused the same way."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.test import override_settings

from workflow_design.files.bundle_reader import UploadRefused, read_bundle

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "equipment-request.workflow-bundle.json"


def test_every_kind_of_source_gives_the_same_document():
    data = EXAMPLE.read_bytes()
    document = json.loads(data)
    assert read_bundle(data) == document
    assert read_bundle(data.decode("utf-8")) == document
    assert read_bundle(io.BytesIO(data)) == document
    assert read_bundle("\ufeff".encode() + data) == document  # a byte-order mark, as Windows editors write
    assert read_bundle(document) is document


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (b"[" * 100 + b"]" * 100, "The JSON is nested more than 40 levels deep."),
        (json.loads("[" * 100 + "]" * 100), "The JSON is nested more than 40 levels deep."),
        ({"workflow": {"fields": json.loads("[" * 60 + "]" * 60)}}, "The JSON is nested more than 40 levels deep."),
        (b"[]", "A workflow bundle is a JSON object."),
        ([], "A workflow bundle is a JSON object."),
        (b'"text"', "A workflow bundle is a JSON object."),
        (b'{"format": ', "The file is not valid JSON: Expecting value at line 1, column 12."),
        (b'{"a": NaN}', "NaN is not a JSON number."),
        (b"\x00\x01binary", "This is not a text file (it contains binary data)."),
    ],
)
def test_refusals_name_their_cause(source, message):
    with pytest.raises(UploadRefused) as refused:
        read_bundle(source)
    assert str(refused.value) == message


def test_a_file_over_the_size_limit_is_not_read_past_it():
    stream = io.BytesIO(b"{" + b" " * 1000 + b"}")
    with override_settings(TICKETFLOWER_MAX_UPLOAD_BYTES=100), pytest.raises(UploadRefused, match="up to"):
        read_bundle(stream)
    assert stream.tell() == 101


def test_the_depth_limit_is_a_setting_for_files_and_parsed_bodies():
    nested = {"a": [[[[{}]]]]}  # six levels
    with override_settings(TICKETFLOWER_JSON_MAX_DEPTH=5):
        for source in (nested, json.dumps(nested).encode()):
            with pytest.raises(UploadRefused, match="nested more than 5 levels"):
                read_bundle(source)
    with override_settings(TICKETFLOWER_JSON_MAX_DEPTH=6):
        assert read_bundle(nested) == read_bundle(json.dumps(nested).encode()) == nested
