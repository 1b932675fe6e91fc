"""Field lists as JSON Schema objects and back: the round trip over generated lists, and refusals
that name the JSON Pointer of what the product cannot express."""

from __future__ import annotations

import keyword
import string

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from workflow_design.rules.field_schemas import (
    CHOICE_TYPES,
    FIELD_TYPES,
    NUMERIC_TYPES,
    TEXT_TYPES,
    field_list_errors,
    field_list_to_json_schema,
)
from workflow_design.rules.json_schema_fields import (
    FieldSchemaRefused,
    canonical_field_list,
    field_list_as_json_schema,
    json_schema_to_field_list,
)

names = st.from_regex(r"\A[a-z][a-z0-9_]{0,12}\Z").filter(lambda name: not keyword.iskeyword(name))
# Any text a creator may type, slashes, quotes and tildes included (they must survive pointers).
texts = st.text(alphabet=string.ascii_letters + string.digits + " /~\"'é-_.", max_size=12)
optional_texts = st.one_of(st.none(), st.just(""), texts)
choice_values = st.lists(texts.filter(bool), min_size=1, max_size=4, unique=True)
whole = st.integers(min_value=0, max_value=500)
numbers = st.one_of(st.integers(-1000, 1000), st.floats(-1000, 1000, allow_nan=False).map(lambda x: round(x, 2)))


@st.composite
def fields(draw, name: str) -> dict:
    field_type = draw(st.sampled_from(list(FIELD_TYPES)))
    field: dict = {"name": name, "type": field_type}
    for key, strategy in (("label", optional_texts), ("help_text", optional_texts)):
        value = draw(strategy)
        if value is not None:
            field[key] = value
    if draw(st.booleans()):
        field["required"] = draw(st.booleans())
    if field_type in CHOICE_TYPES:
        values = draw(choice_values)
        if draw(st.booleans()):
            field["choices"] = values  # the short spelling: plain values
        else:
            field["choices"] = [{"value": v, "label": draw(optional_texts) or ""} for v in values]
    elif field_type in TEXT_TYPES:
        for key in ("min", "max", "max_length"):
            if draw(st.booleans()):
                field[key] = draw(whole) + (1 if key == "max_length" else 0)
    elif field_type in NUMERIC_TYPES:
        for key in ("min", "max"):
            if draw(st.booleans()):
                field[key] = draw(st.integers(-1000, 1000)) if field_type == "integer" else draw(numbers)
    default = draw(_default(field))
    if default is not None:
        field["default"] = default
    return field


def _default(field):
    """No default, or one of the field's type, typed or as the editor's text box gives it."""
    field_type = field["type"]
    if field_type == "integer":
        typed = st.integers(field.get("min", -1000), field.get("max", 1000)) if _ordered(field) else st.nothing()
        return st.one_of(st.none(), typed, typed.map(str))
    if field_type == "boolean":
        return st.sampled_from([None, True, False, "true", "false"])
    if field_type == "choice":
        return st.one_of(st.none(), st.sampled_from(_values(field)))
    if field_type == "multiple_choice":
        return st.one_of(st.none(), st.lists(st.sampled_from(_values(field)), unique=True, max_size=2))
    if field_type == "date":
        return st.one_of(st.none(), st.dates().map(lambda d: d.isoformat()))
    if field_type in ("text", "long_text"):
        return st.one_of(st.none(), st.just(""), st.text(alphabet="abc", min_size=0, max_size=3))
    return st.none()


def _ordered(field) -> bool:
    return field.get("min", -1000) <= field.get("max", 1000)


def _values(field):
    return [c["value"] if isinstance(c, dict) else c for c in field["choices"]]


field_lists = st.lists(names, max_size=6, unique=True).flatmap(
    lambda picked: st.tuples(*(fields(name) for name in picked)).map(list)
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(field_lists)
def test_json_schema_round_trip_keeps_every_field_list(fields_given):
    assume(field_list_errors(fields_given) == [])
    schema = field_list_as_json_schema(fields_given)
    Draft202012Validator.check_schema(schema)
    back = json_schema_to_field_list(schema)
    # The same form: the canonical spelling, valid, with the schema consumers validate against.
    assert back == canonical_field_list(fields_given)
    assert field_list_errors(back) == []
    assert field_list_to_json_schema(back) == field_list_to_json_schema(fields_given)
    # The canonical spelling is a fixed point: list → schema → list gives it back unchanged.
    assert json_schema_to_field_list(field_list_as_json_schema(back)) == back
    assert [f["name"] for f in back] == [f["name"] for f in fields_given]


def test_json_schema_round_trip_keeps_labels_long_text_and_order():
    fields = [
        {"name": "zeta", "label": "Zeta", "type": "long_text", "max_length": 2000, "required": True},
        {"name": "kind", "label": "Kind", "type": "choice", "choices": [{"value": "hw", "label": "Hardware"}]},
        {"name": "alpha", "type": "multiple_choice", "choices": [{"value": "a", "label": "Apple"}, "b"]},
    ]
    schema = field_list_as_json_schema(fields)
    assert list(schema["properties"]) == ["zeta", "kind", "alpha"]
    assert schema["properties"]["kind"]["oneOf"] == [{"const": "hw", "title": "Hardware"}]
    assert schema["properties"]["zeta"]["x-field-type"] == "long_text"
    back = json_schema_to_field_list(schema)
    assert back[0] == {"name": "zeta", "label": "Zeta", "type": "long_text", "required": True, "max_length": 2000}
    assert back[1]["choices"] == [{"value": "hw", "label": "Hardware"}]
    assert back[2]["choices"] == [{"value": "a", "label": "Apple"}, {"value": "b", "label": "b"}]
    validator = Draft202012Validator(schema)
    assert validator.is_valid({"zeta": "x", "kind": "hw", "alpha": ["a", "b"]})
    assert not validator.is_valid({"zeta": "x", "kind": "Hardware"})


def test_json_schema_hand_written_subset_reads_as_fields():
    schema = {
        "type": "object",
        "title": "Purchase",
        "properties": {
            "amount": {"type": "number", "title": "Amount", "minimum": 0, "maximum": 10000, "default": 10},
            "due": {"type": "string", "format": "date", "description": "When it is needed"},
            "buyer": {"type": "string", "format": "email"},
            "size": {"enum": ["s", "m"]},
            "note": {"type": "string", "minLength": 2, "maxLength": 40},
        },
        "required": ["amount", "buyer"],
    }
    assert json_schema_to_field_list(schema) == [
        {
            "name": "amount",
            "label": "Amount",
            "type": "number",
            "required": True,
            "min": 0,
            "max": 10000,
            "default": 10,
        },
        {"name": "due", "type": "date", "help_text": "When it is needed"},
        {"name": "buyer", "type": "email", "required": True},
        {"name": "size", "type": "choice", "choices": [{"value": "s", "label": "s"}, {"value": "m", "label": "m"}]},
        {"name": "note", "type": "text", "min": 2, "max_length": 40},
    ]
    assert json_schema_to_field_list({}) == []


@pytest.mark.parametrize(
    ("schema", "pointer", "words"),
    [
        (
            {"type": "object", "properties": {"a": {"type": "string", "pattern": "x"}}},
            "/properties/a/pattern",
            "pattern",
        ),
        ({"type": "object", "$defs": {}}, "/$defs", "$defs"),
        ({"type": "array"}, "/type", "'array'"),
        ({"properties": {"a/b": {"type": "string", "format": "uri"}}}, "/properties/a~1b/format", "'uri'"),
        ({"properties": {"n": {"type": "integer", "minLength": 1}}}, "/properties/n/minLength", "integer"),
        ({"properties": {"n": {"type": ["string", "null"]}}}, "/properties/n/type", "not supported"),
        ({"properties": {"n": {"type": "string"}}, "required": ["m"]}, "/required/0", "m is not one"),
        ({"properties": {"n": {"type": "array", "items": {"type": "string"}}}}, "/properties/n/items", "enum"),
        (
            {"properties": {"n": {"type": "string", "oneOf": [{"const": "a", "x": 1}]}}},
            "/properties/n/oneOf/0",
            "const",
        ),
        ({"additionalProperties": True}, "/additionalProperties", "false"),
        (
            {"properties": {"n": {"type": "integer", "x-field-type": "long_text"}}},
            "/properties/n/x-field-type",
            "long_text",
        ),
        ("not an object", "/", "object"),
    ],
)
def test_json_schema_unsupported_is_refused_naming_its_pointer(schema, pointer, words):
    with pytest.raises(FieldSchemaRefused) as refused:
        json_schema_to_field_list(schema)
    pointers = [where or "/" for where, _message in refused.value.problems]
    assert pointer in pointers
    message = {where or "/": text for where, text in refused.value.problems}[pointer]
    assert words in message


def test_json_schema_refusal_lists_every_problem_at_once():
    schema = {"properties": {"a": {"type": "string", "pattern": "x"}, "b": {"type": "integer", "maxLength": 3}}}
    with pytest.raises(FieldSchemaRefused) as refused:
        json_schema_to_field_list(schema)
    assert [where for where, _message in refused.value.problems] == ["/properties/a/pattern", "/properties/b/maxLength"]


def test_json_schema_with_more_properties_than_a_form_may_have_is_refused(settings):
    settings.TICKETFLOWER_FORM_MAX_FIELDS = 3
    schema = {"properties": {f"f{n}": {"type": "string"} for n in range(4)}}
    with pytest.raises(FieldSchemaRefused) as refused:
        json_schema_to_field_list(schema)
    assert refused.value.problems == [("/properties", "a form may have at most 3 fields.")]
    assert len(json_schema_to_field_list({"properties": {f"f{n}": {"type": "string"} for n in range(3)}})) == 3
