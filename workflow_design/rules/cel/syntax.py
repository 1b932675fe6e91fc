"""Parsing a condition with cel-python, and reading the fields it names from its tree."""

from __future__ import annotations

import functools
from typing import Any

import celpy
import lark
from django.utils.translation import gettext as _

from workflow_design.rules.cel.scope import ROOTS

ENVIRONMENT = celpy.Environment()


def parse_condition(condition: str) -> lark.Tree:
    """The CEL syntax tree; raises `ConditionSyntaxError` with line and column."""
    try:
        return ENVIRONMENT.compile(condition)
    except celpy.CELParseError as exc:
        raise ConditionSyntaxError.from_parse_error(exc, condition) from exc


class ConditionSyntaxError(ValueError):
    def __init__(self, message: str, line: int | None, column: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    @classmethod
    def from_parse_error(cls, exc: celpy.CELParseError, condition: str) -> ConditionSyntaxError:
        cause = exc.__context__
        line, column = exc.line, exc.column
        detail = ""
        if isinstance(cause, lark.exceptions.UnexpectedToken):
            token = cause.token
            if token.type == "$END":
                detail = _("the condition ends too early")
            else:
                detail = _("unexpected %(token)r") % {"token": str(token)}
        elif isinstance(cause, lark.exceptions.UnexpectedCharacters):
            detail = _("unexpected character %(char)r") % {"char": condition[cause.pos_in_stream]}
        else:
            detail = str(exc).splitlines()[0] if str(exc) else _("not a valid CEL expression")
        if line is None or column is None:
            message = _("Syntax error: %(detail)s.") % {"detail": detail}
        else:
            message = _("Syntax error at line %(line)d, column %(column)d: %(detail)s.") % {
                "line": line,
                "column": column,
                "detail": detail,
            }
        return cls(message, line, column)


@functools.lru_cache(maxsize=2048)
def parsed_for_checking(condition: str) -> lark.Tree | ConditionSyntaxError:
    """Parsing dominates a lint run and workflows repeat conditions; the checker only reads trees."""
    try:
        return parse_condition(condition)
    except ConditionSyntaxError as exc:
        return exc


def child_nodes(tree: lark.Tree) -> list[Any]:
    """A tree node's children, without the empty places lark keeps for optional parts."""
    return [c for c in tree.children if c is not None]


def condition_field_references(condition: str) -> set[str]:
    """The `root.name` fields a condition reads (empty when it does not parse)."""
    return set(_field_references(condition))


@functools.lru_cache(maxsize=2048)
def _field_references(condition: str) -> frozenset[str]:
    # The linter asks this of every condition it has just checked: the parse is shared.
    tree = parsed_for_checking(condition)
    if isinstance(tree, ConditionSyntaxError):
        return frozenset()
    found: set[str] = set()
    for node in tree.iter_subtrees():
        if node.data == "member_dot":
            target, name = child_nodes(node)
            inner = target
            while isinstance(inner, lark.Tree) and inner.data in ("member", "primary") and len(child_nodes(inner)) == 1:
                inner = child_nodes(inner)[0]
            if isinstance(inner, lark.Tree) and inner.data == "ident" and str(child_nodes(inner)[0]) in ROOTS:
                found.add(f"{child_nodes(inner)[0]}.{name}")
    return frozenset(found)
