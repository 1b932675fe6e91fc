"""Field lists as JSON Schema objects and back: the form a client may send instead of the list.

The product stores a form as an ordered field list (`rules.field_schemas`). Clients and
assistants may send a JSON Schema (draft 2020-12) object instead, in the subset a field list
can say:

- at the top: `type: object`, `properties` (in order: the form's order), `required`, `title`,
  `description`, `$schema` and `additionalProperties: false` (the last four are not kept);
- for each property: `type` (string, integer, number, boolean, or array for a multiple choice),
  `title`, `description`, `enum` (or `oneOf` of `{const, title}` when choices have labels),
  `minimum`/`maximum`, `minLength`/`maxLength`, `format` (`date`, `date-time`, `email`),
  `default`, `items` and `uniqueItems` (multiple choice), and `x-field-type: long_text` (the one
  field type JSON Schema cannot tell from plain text).

`json_schema_to_field_list` reads such an object; any other keyword or value is refused with
its JSON Pointer (RFC 6901). `field_list_as_json_schema` writes a list as such an object, and
reading it back gives the list's canonical spelling (`canonical_field_list`): the same form,
field for field, with empty settings left out, text bounds said once and defaults typed.
Whether the list is a valid form is not checked here: the services check the list either way.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from workflow_design.files import limits
from workflow_design.rules import field_schemas
from workflow_design.rules.field_schemas import (
    CHOICE_TYPES,
    LONG_TEXT,
    MULTIPLE_CHOICE,
    NUMERIC_TYPES,
    TEXT,
    TEXT_TYPES,
    coerce_default,
    field_list_to_json_schema,
)

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
# The annotation naming a field type whose JSON Schema alone reads as another (long text).
FIELD_TYPE_KEYWORD = "x-field-type"

TOP_KEYWORDS = ("$schema", "type", "title", "description", "properties", "required", "additionalProperties")
PROPERTY_KEYWORDS = (
    "type",
    "title",
    "description",
    "enum",
    "oneOf",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "format",
    "default",
    "items",
    "uniqueItems",
    FIELD_TYPE_KEYWORD,
)
STRING_FORMATS = {
    None: TEXT,
    "email": field_schemas.EMAIL,
    "date": field_schemas.DATE,
    "date-time": field_schemas.DATETIME,
}
JSON_TYPES = {
    "integer": field_schemas.INTEGER,
    "number": field_schemas.NUMBER,
    "boolean": field_schemas.BOOLEAN,
}
# The keywords that only some kinds of field may carry.
KEYWORDS_OF = {
    "minimum": NUMERIC_TYPES,
    "maximum": NUMERIC_TYPES,
    "minLength": TEXT_TYPES,
    "maxLength": TEXT_TYPES,
}


class FieldSchemaRefused(ValueError):
    """A JSON Schema object that is not a field list: every problem, each with its JSON Pointer."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{pointer or '/'}: {message}" for pointer, message in problems))

    @property
    def messages(self) -> list[str]:
        return [f"{pointer or '/'}: {message}" for pointer, message in self.problems]


def pointer(*parts: str | int) -> str:
    """A JSON Pointer (RFC 6901) from its reference tokens."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# List → schema -------------------------------------------------------------------------------


def _choice_pairs(field: dict[str, Any]) -> list[tuple[Any, Any]]:
    """(value, label) of each choice, the label falling back to the value."""
    pairs = []
    for choice in field.get("choices") or []:
        if isinstance(choice, dict):
            pairs.append((choice.get("value"), choice.get("label") or choice.get("value")))
        else:
            pairs.append((choice, choice))
    return pairs


def _labelled_choices(pairs: list[tuple[Any, Any]]) -> list[dict[str, Any]]:
    return [{"const": value, "title": label} for value, label in pairs]


def field_list_as_json_schema(fields: list[dict[str, Any]] | None, *, title: str = "") -> dict[str, Any]:
    """The list's JSON Schema (`field_list_to_json_schema`), with what it leaves unsaid added:
    choice labels (as `oneOf` of `const` and `title`) and long text (`x-field-type`)."""
    schema = field_list_to_json_schema(fields, title=title)
    for field in fields or []:
        prop = schema["properties"][field["name"]]
        if field["type"] == LONG_TEXT:
            prop[FIELD_TYPE_KEYWORD] = LONG_TEXT
        pairs = _choice_pairs(field) if field["type"] in CHOICE_TYPES else []
        if any(value != label for value, label in pairs):
            holder = prop["items"] if field["type"] == MULTIPLE_CHOICE else prop
            del holder["enum"]
            holder["oneOf"] = _labelled_choices(pairs)
    return schema


def canonical_field_list(fields: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """A valid field list as its JSON Schema reads back: the same form, spelled one way.

    Empty settings are left out, `required` is said only when true, every choice has a value
    and a label, a text field's length bounds are `min` and `max_length` (its `max` and
    `max_length` both cap the length; the smaller wins), and a default has the field's type.
    """
    return [_canonical_field(field) for field in fields or []]


def _canonical_field(field: dict[str, Any]) -> dict[str, Any]:
    field_type = field["type"]
    out: dict[str, Any] = {"name": field["name"]}
    if field.get("label"):
        out["label"] = field["label"]
    out["type"] = field_type
    if field.get("required"):
        out["required"] = True
    if field.get("help_text"):
        out["help_text"] = field["help_text"]
    if field_type in CHOICE_TYPES:
        out["choices"] = [{"value": value, "label": label} for value, label in _choice_pairs(field)]
    if field_type in TEXT_TYPES:
        if _is_number(field.get("min")):
            out["min"] = int(field["min"])
        caps = [int(field["max"])] if _is_number(field.get("max")) else []
        if field.get("max_length"):
            caps.append(field["max_length"])
        if caps:
            out.update(_text_cap(min(caps)))
    elif field_type in NUMERIC_TYPES:
        for key in ("min", "max"):
            if _is_number(field.get(key)):
                out[key] = field[key]
    if field.get("default") not in (None, ""):
        out["default"] = coerce_default(field, field["default"])
    return out


def _text_cap(length: int) -> dict[str, int]:
    # `max_length` is a positive whole number; a cap of 0 can only be said as `max`.
    return {"max_length": length} if length >= 1 else {"max": length}


# Schema → list -------------------------------------------------------------------------------


def json_schema_to_field_list(schema: Any) -> list[dict[str, Any]]:
    """The field list a JSON Schema object describes, or `FieldSchemaRefused` naming every
    keyword or value the product cannot express, by its JSON Pointer. `{}` has no fields."""
    reader = _SchemaReader()
    fields = reader.read(schema)
    if reader.problems:
        raise FieldSchemaRefused(reader.problems)
    return fields


class _SchemaReader:
    def __init__(self):
        self.problems: list[tuple[str, str]] = []

    def refuse(self, where: str, message: str) -> None:
        self.problems.append((where, message))

    def unsupported(self, where: str, keyword: str, allowed: tuple[str, ...]) -> None:
        self.refuse(
            where + pointer(keyword),
            _("the keyword %(keyword)s is not supported here; supported: %(allowed)s.")
            % {"keyword": keyword, "allowed": ", ".join(allowed)},
        )

    def read(self, schema: Any) -> list[dict[str, Any]]:
        if not isinstance(schema, dict):
            self.refuse("", _("a JSON Schema must be an object."))
            return []
        for keyword in schema:
            if keyword not in TOP_KEYWORDS:
                self.unsupported("", keyword, TOP_KEYWORDS)
        self.expect(schema, "$schema", lambda v: v in (DRAFT_2020_12, DRAFT_2020_12 + "#"), _("only draft 2020-12"))
        self.expect(schema, "type", lambda v: v == "object", _("a form is an object"))
        self.expect(schema, "additionalProperties", lambda v: v is False, _("a form takes no other fields: false"))
        for keyword in ("title", "description"):
            self.expect(schema, keyword, lambda v: isinstance(v, str), _("text"))
        properties = schema.get("properties", {})
        if not isinstance(properties, dict):
            self.refuse(pointer("properties"), _("properties must be an object (one entry a field, in order)."))
            return []
        if len(properties) > limits.form_max_fields():
            self.refuse(
                pointer("properties"), _("a form may have at most %(max)d fields.") % {"max": limits.form_max_fields()}
            )
            return []
        required = self.required_names(schema.get("required", []), properties)
        return [self.field(name, prop, name in required) for name, prop in properties.items()]

    def expect(self, holder: dict, keyword: str, check, wanted: str, where: str = "") -> None:
        if keyword in holder and not check(holder[keyword]):
            self.refuse(
                where + pointer(keyword),
                _("the value %(value)s is not supported; expected %(wanted)s.")
                % {"value": _shown(holder[keyword]), "wanted": wanted},
            )

    def required_names(self, required: Any, properties: dict) -> set[str]:
        if not isinstance(required, list) or not all(isinstance(name, str) for name in required):
            self.refuse(pointer("required"), _("required must be a list of property names."))
            return set()
        for index, name in enumerate(required):
            if name not in properties:
                self.refuse(pointer("required", index), _("%(name)s is not one of the properties.") % {"name": name})
        return set(required)

    def field(self, name: str, prop: Any, required: bool) -> dict[str, Any]:
        where = pointer("properties", name)
        field: dict[str, Any] = {"name": name}
        if not isinstance(prop, dict):
            self.refuse(where, _("a property must be an object."))
            return {**field, "type": TEXT}
        for keyword in prop:
            if keyword not in PROPERTY_KEYWORDS:
                self.unsupported(where, keyword, PROPERTY_KEYWORDS)
        for keyword in ("title", "description"):
            self.expect(prop, keyword, lambda v: isinstance(v, str), _("text"), where)
        if prop.get("title"):
            field["label"] = prop["title"]
        field_type, choices = self.field_type(where, prop)
        field["type"] = field_type
        if required:
            field["required"] = True
        if prop.get("description"):
            field["help_text"] = prop["description"]
        if field_type in CHOICE_TYPES:
            field["choices"] = choices
        field.update(self.bounds(where, prop, field_type))
        if prop.get("default") not in (None, ""):
            field["default"] = prop["default"]
        return field

    def field_type(self, where: str, prop: dict) -> tuple[str, list[dict[str, Any]]]:
        """The field type a property's keywords say, with its choices (choice types only)."""
        json_type = prop.get("type", "string" if ("enum" in prop or "oneOf" in prop) else None)
        named = prop.get(FIELD_TYPE_KEYWORD)
        for keyword in ("format", "items", "uniqueItems", "enum", "oneOf"):
            if keyword in prop and not _keyword_fits(keyword, json_type, prop):
                self.refuse(
                    where + pointer(keyword),
                    _("%(keyword)s does not apply to a property of type %(type)s.")
                    % {"keyword": keyword, "type": _shown(json_type)},
                )
        if json_type == "string":
            if "enum" in prop or "oneOf" in prop:
                field_type, choices = field_schemas.CHOICE, self.choices(where, prop)
            else:
                field_type, choices = self.string_type(where, prop), []
        elif json_type == "array":
            field_type, choices = MULTIPLE_CHOICE, self.multiple_choices(where, prop)
        elif isinstance(json_type, str) and json_type in JSON_TYPES:
            field_type, choices = JSON_TYPES[json_type], []
        else:
            self.refuse(
                where + pointer("type"),
                _("the type %(type)s is not supported; supported: string, integer, number, boolean, array.")
                % {"type": _shown(json_type)},
            )
            field_type, choices = TEXT, []
        if named is not None and named != field_type and not (named == LONG_TEXT and field_type == TEXT):
            self.refuse(
                where + pointer(FIELD_TYPE_KEYWORD),
                _("%(named)s does not fit this property (read as %(type)s); only long_text on plain text.")
                % {"named": _shown(named), "type": field_type},
            )
        elif named == LONG_TEXT:
            field_type = LONG_TEXT
        return field_type, choices

    def string_type(self, where: str, prop: dict) -> str:
        value = prop.get("format")
        if value is None or (isinstance(value, str) and value in STRING_FORMATS):
            return STRING_FORMATS[value]
        self.refuse(
            where + pointer("format"),
            _("the format %(format)s is not supported; supported: date, date-time, email.") % {"format": _shown(value)},
        )
        return TEXT

    def choices(self, where: str, holder: dict) -> list[dict[str, Any]]:
        """Choices from `enum` (value = label) or `oneOf` of `{const, title}`."""
        if "enum" in holder and "oneOf" in holder:
            self.refuse(where + pointer("oneOf"), _("give the choices once: enum or oneOf."))
        if "enum" in holder:
            values = holder["enum"]
            if not isinstance(values, list):
                self.refuse(where + pointer("enum"), _("enum must be a list of values."))
                return []
            return [{"value": value, "label": value} for value in values]
        options = holder.get("oneOf")
        if not isinstance(options, list):
            self.refuse(where + pointer("oneOf"), _("oneOf must be a list of {const, title}."))
            return []
        choices = []
        for index, option in enumerate(options):
            if not isinstance(option, dict) or "const" not in option or set(option) - {"const", "title"}:
                self.refuse(
                    where + pointer("oneOf", index),
                    _("each choice is an object of const and (optionally) title."),
                )
                continue
            choices.append({"value": option["const"], "label": option.get("title") or option["const"]})
        return choices

    def multiple_choices(self, where: str, prop: dict) -> list[dict[str, Any]]:
        items = prop.get("items")
        items_where = where + pointer("items")
        self.expect(prop, "uniqueItems", lambda v: v is True, _("true (each choice once)"), where)
        if not isinstance(items, dict) or not ({"enum", "oneOf"} & set(items)):
            self.refuse(items_where, _("a multiple choice needs items with enum or oneOf."))
            return []
        for keyword in items:
            if keyword not in ("type", "enum", "oneOf"):
                self.unsupported(items_where, keyword, ("type", "enum", "oneOf"))
        self.expect(items, "type", lambda v: v == "string", _("string"), items_where)
        return self.choices(items_where, items)

    def bounds(self, where: str, prop: dict, field_type: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for keyword, kinds in KEYWORDS_OF.items():
            if keyword not in prop:
                continue
            value = prop[keyword]
            at = where + pointer(keyword)
            words = {"keyword": keyword, "type": field_type}
            if field_type not in kinds:
                self.refuse(at, _("%(keyword)s does not apply to a %(type)s field.") % words)
            elif keyword in ("minLength", "maxLength") and not _is_whole(value):
                self.refuse(at, _("%(keyword)s must be a whole number, 0 or more.") % words)
            elif not _is_number(value):
                self.refuse(at, _("%(keyword)s must be a number.") % words)
            elif keyword == "minimum":
                out["min"] = value
            elif keyword == "maximum":
                out["max"] = value
            elif keyword == "minLength":
                out["min"] = int(value)
            else:
                out.update(_text_cap(int(value)))
        return out


def _is_whole(value: Any) -> bool:
    return _is_number(value) and value >= 0 and int(value) == value


def _keyword_fits(keyword: str, json_type: Any, prop: dict) -> bool:
    if keyword == "format":
        return json_type == "string" and "enum" not in prop and "oneOf" not in prop
    if keyword in ("items", "uniqueItems"):
        return json_type == "array"
    return json_type == "string"  # enum, oneOf: choices are text


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
