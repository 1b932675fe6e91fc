import pytest
from jsonschema import Draft202012Validator

from workflow_design.files import limits
from workflow_design.rules.field_schemas import field_list_errors, field_list_to_json_schema


def field(**kw):
    return {"name": "amount", "label": "Amount", "type": "integer", **kw}


def test_valid_field_list_has_no_errors_and_a_valid_schema():
    fields = [
        field(required=True, min=0, max=10),
        {"name": "kind", "label": "Kind", "type": "choice", "choices": [{"value": "a", "label": "A"}]},
        {"name": "note", "label": "Note", "type": "long_text", "max_length": 200},
    ]
    assert field_list_errors(fields) == []
    schema = field_list_to_json_schema(fields)
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    assert validator.is_valid({"amount": 3, "kind": "a"})
    assert not validator.is_valid({"amount": 11})
    assert not validator.is_valid({"amount": 1, "kind": "zzz"})
    assert list(schema["properties"]) == ["amount", "kind", "note"]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ([field(name="1abc")], "must start with a lower-case letter"),
        ([field(), field()], "the name amount is used twice"),
        ([field(type="colour")], "unknown type 'colour'"),
        ([field(min=5, max=1)], "min (5) is greater than max (1)"),
        ([field(choices=[{"value": "x"}])], "only choice fields may have choices"),
        ([{"name": "c", "label": "C", "type": "choice"}], "needs at least one choice"),
        ([field(max_length=10)], "max length applies to text fields only"),
        ([field(default="abc")], "the default 'abc' is not valid"),
        ([field(colour="red")], "unknown settings colour"),
        ("not a list", "must be a list"),
    ],
)
def test_invalid_field_lists_name_the_problem(fields, expected):
    errors = field_list_errors(fields)
    assert any(expected in e for e in errors), errors


def test_remembered_checks_tell_json_types_apart_and_hand_out_fresh_lists():
    # The memory is keyed by the list's JSON text: true and 1, 5 and 5.0 are different lists.
    assert field_list_errors([field(required=True)]) == []
    [message] = field_list_errors([field(required=1)])
    assert "required must be true or false" in message
    assert field_list_errors([field(type="text", max_length=5)]) == []
    [message] = field_list_errors([field(type="text", max_length=5.0)])
    assert "max length must be a positive whole number" in message
    errors = field_list_errors([field(min=5, max=1)])
    errors.append("changed by the caller")
    assert field_list_errors([field(min=5, max=1)]) == errors[:1]


def test_remembered_checks_are_per_list_order():
    first, second = field(), {"name": "note", "label": "Note", "type": "text", "min": "x"}
    [message] = field_list_errors([first, second])
    assert message.startswith("Field 2 (note)")
    [message] = field_list_errors([second, first])
    assert message.startswith("Field 1 (note)")


def test_field_lists_json_cannot_spell_are_still_checked():
    from decimal import Decimal

    [message] = field_list_errors([field(min=Decimal("5"))])
    assert "min must be a number" in message


def choice_field(name: str, count: int, field_type: str = "choice") -> dict:
    return {"name": name, "label": name, "type": field_type, "choices": [{"value": f"c{i}"} for i in range(count)]}


def test_field_with_as_many_choices_as_allowed_is_accepted_and_one_more_is_refused():
    most = limits.field_max_choices()
    assert field_list_errors([choice_field("level", most)]) == []
    assert field_list_errors([choice_field("level", most + 1, "multiple_choice")]) == [
        f"Field 1 (level): it has {most + 1} choices; a field may have at most {most} choices."
    ]


def test_field_with_a_hundred_thousand_choices_is_refused_naming_the_limit():
    fields = [field(), choice_field("country", 100_000), choice_field("city", 3)]
    assert field_list_errors(fields) == [
        f"Field 2 (country): it has 100000 choices; a field may have at most {limits.field_max_choices()} choices."
    ]


def test_form_with_more_fields_than_allowed_is_refused_naming_the_limit():
    most = limits.form_max_fields()
    fields = [field(name=f"f{i}") for i in range(most)]
    assert field_list_errors(fields) == []
    fields.append(field(name="one_more"))
    assert field_list_errors(fields) == [f"The form has {most + 1} fields; a form may have at most {most} fields."]


def test_field_choice_limit_is_a_setting(settings):
    settings.TICKETFLOWER_FIELD_MAX_CHOICES = 2
    assert field_list_errors([choice_field("size", 3)]) == [
        "Field 1 (size): it has 3 choices; a field may have at most 2 choices."
    ]
