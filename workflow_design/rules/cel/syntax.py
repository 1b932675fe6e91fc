"""Parsing a condition with cel-python, and reading the fields it names from its tree."""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from typing import Any

import celpy
import lark
from django.utils.translation import gettext as _

from workflow_design.rules.cel.bounds import BoundProblem, text_problem, tree_problem
from workflow_design.rules.cel.scope import ROOTS

ENVIRONMENT = celpy.Environment()


def parse_condition(condition: str) -> lark.Tree:
    """The CEL syntax tree; raises `ConditionSyntaxError` with line and column.

    The text is measured before it is parsed and the tree before it is returned: a condition
    over a cost limit raises `ConditionTooComplex` (a `ConditionSyntaxError`), so every reader
    of conditions refuses it with the same message and none walks a tree it cannot finish.
    """
    problem = text_problem(condition)
    if problem is not None:
        raise ConditionSyntaxError.from_bound_problem(problem)
    try:
        tree = ENVIRONMENT.compile(condition)
    except celpy.CELParseError as exc:
        raise ConditionSyntaxError.from_parse_error(exc, condition) from exc
    problem = tree_problem(tree)
    if problem is not None:
        raise ConditionSyntaxError.from_bound_problem(problem)
    return tree


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
        return cls(cls._syntax_message(detail, line, column), line, column)

    @staticmethod
    def _syntax_message(detail: str, line: int | None, column: int | None) -> str:
        if line is None or column is None:
            return _("Syntax error: %(detail)s.") % {"detail": detail}
        return _("Syntax error at line %(line)d, column %(column)d: %(detail)s.") % {
            "line": line,
            "column": column,
            "detail": detail,
        }

    @classmethod
    def from_bound_problem(cls, problem: BoundProblem) -> ConditionSyntaxError:
        if problem.is_syntax:
            return cls(cls._syntax_message(problem.message, problem.line, problem.column), problem.line, problem.column)
        message = problem.message
        if problem.line is not None and problem.column is not None:
            message = _("%(message)s (line %(line)d, column %(column)d).") % {
                "message": message.rstrip("."),
                "line": problem.line,
                "column": problem.column,
            }
        return ConditionTooComplex(message, problem.line, problem.column)


class ConditionTooComplex(ConditionSyntaxError):
    """A condition over one of the cost limits (length, nesting, tree size): refused, never walked."""


class _ParsedConditions:
    """Parsed conditions remembered by their text, the least recently used forgotten first.

    Bounded by the nodes of the trees it holds, not by their number: a tree of a few thousand
    nodes takes about 2 MB, so a count alone would let distinct large conditions fill memory.
    """

    def __init__(self, max_nodes: int) -> None:
        self.max_nodes = max_nodes
        self._entries: OrderedDict[str, tuple[lark.Tree | ConditionSyntaxError, int]] = OrderedDict()
        self._nodes = 0
        self._lock = threading.Lock()

    def __call__(self, condition: str) -> lark.Tree | ConditionSyntaxError:
        with self._lock:
            entry = self._entries.get(condition)
            if entry is not None:
                self._entries.move_to_end(condition)
                return entry[0]
        try:
            parsed: lark.Tree | ConditionSyntaxError = parse_condition(condition)
            size = sum(1 for _node in parsed.iter_subtrees())
        except ConditionSyntaxError as exc:
            parsed, size = exc, 1
        with self._lock:
            if condition not in self._entries:
                self._entries[condition] = (parsed, size)
                self._nodes += size
            while self._nodes > self.max_nodes and len(self._entries) > 1:
                _text, (_parsed, forgotten) = self._entries.popitem(last=False)
                self._nodes -= forgotten
        return parsed

    def cache_clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._nodes = 0


# Parsing dominates a lint run and a dry run, and workflows repeat conditions; the checker,
# the field lookups and the evaluator only read trees. About 100 MB at the most.
parsed_for_checking = _ParsedConditions(max_nodes=150_000)


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
        reference = field_reference(node)
        if reference is not None:
            found.add(f"{reference[0]}.{reference[1]}")
    return frozenset(found)


def field_reference(node: lark.Tree) -> tuple[str, str] | None:
    """`(root, name)` when `node` reads `ticket.<name>`, `workflow.<name>` or `output.<name>`.

    A comprehension variable that shadows a root is not told apart here; callers that bind
    variables check for it themselves."""
    if node.data != "member_dot":
        return None
    target, name = child_nodes(node)
    inner = target
    while isinstance(inner, lark.Tree) and inner.data in ("member", "primary") and len(child_nodes(inner)) == 1:
        inner = child_nodes(inner)[0]
    if isinstance(inner, lark.Tree) and inner.data == "ident" and str(child_nodes(inner)[0]) in ROOTS:
        return str(child_nodes(inner)[0]), str(name)
    return None
