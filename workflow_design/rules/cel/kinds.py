"""The kinds of value a condition's check tracks, and the typed values it infers from a tree."""

from __future__ import annotations

import ast as python_ast
from dataclasses import dataclass
from typing import Any

import lark
from django.utils.translation import gettext as _

# Kinds of value the checker tracks; "dyn" means "not known at design time".
BOOL, NUM, STR, LIST, MAP, NULL, BYTES, DYN = "bool", "number", "string", "list", "map", "null", "bytes", "dyn"
KIND_LABELS = {
    BOOL: "true/false",
    NUM: "a number",
    STR: "text",
    LIST: "a list",
    MAP: "a map",
    NULL: "null",
    BYTES: "bytes",
}


@dataclass(frozen=True)
class ValueType:
    """What the check knows of one value: its kind, the field it is, a literal's value."""

    kind: str
    name: str = ""  # "output.decision" when the value is a field
    choices: tuple[str, ...] | None = None
    literal: Any = None
    is_literal: bool = False
    items: tuple[Any, ...] | None = None  # values of a list literal made of literals

    def describe(self) -> str:
        label = KIND_LABELS.get(self.kind, _("a value"))
        if self.name:
            return f"{self.name} ({label})"
        if self.is_literal:
            return f"{literal_text(self.literal)} ({label})"
        return label


def literal_text(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


DYN_VALUE = ValueType(DYN)
BOOL_VALUE = ValueType(BOOL)
NUM_VALUE = ValueType(NUM)
STR_VALUE = ValueType(STR)


def literal_type(value: Any) -> ValueType:
    if isinstance(value, bool):
        return ValueType(BOOL, literal=value, is_literal=True)
    if isinstance(value, int | float):
        return ValueType(NUM, literal=value, is_literal=True)
    if isinstance(value, str):
        return ValueType(STR, literal=value, is_literal=True)
    if value is None:
        return ValueType(NULL, literal=None, is_literal=True)
    return DYN_VALUE


def literal_token_type(token: lark.Token) -> ValueType:
    text = str(token)
    kind = token.type
    if kind == "BOOL_LIT":
        return literal_type(text == "true")
    if kind == "NULL_LIT":
        return literal_type(None)
    if kind in ("INT_LIT", "UINT_LIT"):
        digits = text.rstrip("uU")
        try:
            return literal_type(int(digits, 0) if "x" in digits.lower() else int(digits))
        except ValueError:
            return NUM_VALUE
    if kind == "FLOAT_LIT":
        return literal_type(float(text))
    if kind in ("STRING_LIT", "MLSTRING_LIT"):
        try:
            value = python_ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return STR_VALUE
        return literal_type(value) if isinstance(value, str) else STR_VALUE
    if kind == "BYTES_LIT":
        return ValueType(BYTES)
    return DYN_VALUE
