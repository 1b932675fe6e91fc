"""The JSON Schemas API rows carry: built once per form, the same as building each row's anew."""

from __future__ import annotations

import json

import orjson
import pytest

from workflow_design.fast.api_json_schemas import SHARED, json_schema_of
from workflow_design.rules.json_schema_fields import field_list_as_json_schema

FORMS = [
    [],
    [{"name": "amount", "label": "Amount", "type": "number", "required": True, "min": 0}],
    [
        {"name": "kind", "label": "Kind", "type": "choice", "choices": [{"value": "a", "label": "A"}]},
        {"name": "tags", "type": "multiple_choice", "choices": [{"value": "x", "label": "Ex"}, {"value": "y"}]},
        {"name": "note", "label": "Note \u2028", "type": "long_text", "help_text": "<b>&</b>"},
    ],
]


@pytest.mark.parametrize("fields", FORMS)
@pytest.mark.parametrize("title", ["", "Check: input", "Ünïcode «title»"])
def test_schema_is_the_one_built_for_the_row(fields, title):
    first = json_schema_of(fields, title, language="en")
    again = json_schema_of(json.loads(json.dumps(fields)), title, language="en")
    expected = field_list_as_json_schema(fields, title=title)
    # the same JSON, key for key and in the same order, by either writer
    assert orjson.dumps(first) == orjson.dumps(again) == orjson.dumps(expected)
    assert json.dumps(first) == json.dumps(expected)


def test_rows_of_one_form_get_their_own_titles():
    fields = FORMS[2]
    one, two = json_schema_of(fields, "One", language="en"), json_schema_of(fields, "Two", language="en")
    assert (one["title"], two["title"]) == ("One", "Two")
    one["title"] = "Changed"  # a row's own top level is its own
    assert two["title"] == "Two" and json_schema_of(fields, "", language="en").get("title") is None


def test_shared_parts_refuse_every_change():
    schema = json_schema_of(FORMS[2], "Row", language="en")
    properties, required, choices = schema["properties"], schema["required"], schema["properties"]["kind"]["oneOf"]
    changes = [
        lambda: properties.__setitem__("extra", {}),
        lambda: properties.pop("kind"),
        lambda: properties.update(extra={}),
        lambda: properties["kind"].setdefault("extra", 1),
        lambda: required.append("note"),
        lambda: choices.__setitem__(0, None),
        lambda: choices.sort(),
        lambda: choices.clear(),
    ]
    for change in changes:
        with pytest.raises(TypeError, match=SHARED):
            change()
    assert json_schema_of(FORMS[2], "Row", language="en") == field_list_as_json_schema(FORMS[2], title="Row")


def test_two_spellings_of_one_form_give_one_schema():
    fields = FORMS[1]
    reordered = [dict(reversed(list(field.items()))) for field in fields]
    assert json_schema_of(reordered, "T", language="en") == json_schema_of(fields, "T", language="en")


def test_integers_past_64_bits_still_get_their_schema():
    fields = [{"name": "big", "type": "number", "max": 2**70}]
    assert json_schema_of(fields, "Big", language="en") == field_list_as_json_schema(fields, title="Big")
