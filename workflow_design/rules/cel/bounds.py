"""What a condition may cost before anything recursive reads it.

`text_problem` scans the text once, left to right, with no recursion and no regular
expression: its length, its brackets, its runs of `!` and `-`, and its string literals. A
string left open must be refused here: cel-python's lexer matches strings with a pattern
whose backtracking doubles with every backslash of an unclosed string, so `"` followed by
a few dozen backslashes would keep a worker busy for hours.

`tree_problem` measures the parsed tree (the LALR parser keeps its own stack, so parsing does
not recurse) with an explicit stack: its depth and its number of nodes. The checker, the
field lookups and the evaluator all walk trees by recursion; a tree within these limits is
one they can walk.

Both return the refusal's message (with a position when there is one), or `None`.
"""

from __future__ import annotations

from dataclasses import dataclass

import lark
from django.utils.translation import gettext as _

from workflow_design.files import limits

_OPENERS = "([{"
_CLOSERS = ")]}"
_QUOTES = "\"'"


@dataclass(frozen=True)
class BoundProblem:
    message: str
    line: int | None = None
    column: int | None = None
    # A syntax error (an open string) rather than a limit.
    is_syntax: bool = False


def _line_and_column(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _string_end(text: str, start: int, quote: str) -> int | None:
    """The index after the string literal opening at `start`, or `None` when it is not closed.

    A backslash takes the next character with it, as CEL's escapes do; a one-line string ends at
    its line's end, a triple-quoted one may span lines."""
    triple = text.startswith(quote * 3, start)
    position = start + (3 if triple else 1)
    length = len(text)
    while position < length:
        character = text[position]
        if character == "\\":
            if not triple and (position + 1 >= length or text[position + 1] == "\n"):
                return None
            position += 2
        elif character == "\n" and not triple:
            return None
        elif triple and text.startswith(quote * 3, position):
            return position + 3
        elif not triple and character == quote:
            return position + 1
        else:
            position += 1
    return None


def _at(text: str, index: int, message: str, *, is_syntax: bool = False) -> BoundProblem:
    line, column = _line_and_column(text, index)
    return BoundProblem(message, line, column, is_syntax)


def text_problem(condition: str) -> BoundProblem | None:
    """The first limit the text goes over, or an unclosed string; one pass, no recursion."""
    max_length = limits.condition_max_length()
    if len(condition) > max_length:
        return BoundProblem(
            _("The condition has %(count)d characters; a condition may have at most %(n)d.")
            % {"count": len(condition), "n": max_length}
        )
    max_nesting = limits.condition_max_nesting()
    max_run = limits.condition_max_operator_run()
    depth = run = index = 0
    length = len(condition)
    while index < length:
        character = condition[index]
        if character in _QUOTES:
            end = _string_end(condition, index, character)
            if end is None:
                return _at(
                    condition,
                    index,
                    _("the text in quotes that starts here is not closed on its line"),
                    is_syntax=True,
                )
            index, run = end, 0
            continue
        if condition.startswith("//", index):
            # A comment runs to the end of its line; quotes inside it open nothing.
            line_end = condition.find("\n", index)
            index = length if line_end < 0 else line_end
            continue
        if character in _OPENERS:
            depth += 1
            if depth > max_nesting:
                return _at(
                    condition,
                    index,
                    _("Brackets nest more than %(n)d levels deep in the condition; at most %(n)d are allowed.")
                    % {"n": max_nesting},
                )
        elif character in _CLOSERS:
            depth = max(depth - 1, 0)
        if character == "-" or (character == "!" and not condition.startswith("!=", index)):
            run += 1
            if run > max_run:
                return _at(
                    condition,
                    index,
                    _("More than %(n)d ! or - follow one another in the condition; at most %(n)d are allowed.")
                    % {"n": max_run},
                )
        elif not character.isspace():
            run = 0
        index += 1
    return None


def tree_problem(tree: lark.Tree) -> BoundProblem | None:
    """The tree's depth or size over its limit, measured with an explicit stack."""
    max_depth = limits.condition_max_depth()
    max_nodes = limits.condition_max_nodes()
    nodes = 0
    stack: list[tuple[lark.Tree, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if depth > max_depth:
            return BoundProblem(
                _(
                    "The condition nests more than %(n)d levels deep; at most %(n)d can be evaluated (a bracket "
                    "counts about 12 levels, each operator of a chain of && or || one or two). Use fewer "
                    "brackets, or a list with in instead of a long chain."
                )
                % {"n": max_depth}
            )
        if nodes > max_nodes:
            return BoundProblem(
                _(
                    "The condition has more than %(n)d parts in its syntax tree (about a dozen per name, value "
                    "or operator); at most %(n)d are allowed. Split it over several transitions."
                )
                % {"n": max_nodes}
            )
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, lark.Tree))
    return None
