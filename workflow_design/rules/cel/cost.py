"""The cost a condition is checked for at save time: the evaluation steps it may take.

One step is one node of the syntax tree the evaluator visits (`evaluation.StepMeter` counts
them the same way). A plain condition takes at most one step per node. A comprehension
(`all`, `exists`, `exists_one`, `map`, `filter`) evaluates its body once per item of what it
ranges over, so nested comprehensions multiply: the checker sizes each range (a list written in
the condition has its items, a multiple-choice field its choices, anything else up to
`limits.field_max_choices()` items, the most a form's list value can hold) and refuses a
condition whose comprehensions nest too deep or whose worst case is over the step limit. What it
accepts, the evaluator finishes within its budget.
"""

from __future__ import annotations

from dataclasses import dataclass

import lark
from django.utils.translation import gettext as _

from workflow_design.files import limits
from workflow_design.rules.cel.kinds import LIST
from workflow_design.rules.cel.scope import ConditionScope
from workflow_design.rules.cel.syntax import child_nodes, field_reference

COMPREHENSIONS = {"exists", "all", "exists_one", "map", "filter"}
# Comprehensions whose result is a list as long as what they range over.
_LIST_RESULTS = {"map", "filter"}
_UNBOUND = object()


@dataclass(frozen=True)
class ConditionCost:
    steps: int  # the most evaluation steps the condition may take
    nesting: int  # comprehensions nested inside one another, at the deepest


def _nodes(node: lark.Tree) -> int:
    return sum(1 for _node in node.iter_subtrees())


def comprehension_variable(node: lark.Tree) -> str | None:
    """The name a comprehension binds: its first argument, when that is a bare name."""
    while isinstance(node, lark.Tree) and len(child_nodes(node)) == 1 and node.data != "ident":
        node = child_nodes(node)[0]
    if isinstance(node, lark.Tree) and node.data == "ident":
        return str(child_nodes(node)[0])
    return None


class _CostWalk:
    """One walk over a tree whose depth `bounds.tree_problem` has already limited."""

    def __init__(self, scope: ConditionScope) -> None:
        self.scope = scope
        self.unknown_size = limits.field_max_choices()
        # Comprehension variables in scope: the items of what they range over are not sized.
        self.bound: dict[str, None] = {}
        self.nesting = 0
        self.deepest = 0

    def walk(self, node: object) -> tuple[int, int | None]:
        """(steps, items): the steps to evaluate `node`, and how many items its value has when
        it is a list or a map whose size is known."""
        if not isinstance(node, lark.Tree):
            return 0, None
        children = child_nodes(node)
        if node.data == "member_dot_arg":
            comprehension = self._comprehension(node, children)
            if comprehension is not None:
                return comprehension
        if node.data == "member_dot":
            reference = field_reference(node)
            if reference is not None and reference[0] not in self.bound:
                return _nodes(node), self._field_size(*reference)
        if node.data in ("list_lit", "map_lit"):
            items = child_nodes(children[0]) if children else []
            steps = 1 + sum(self.walk(child)[0] for child in children)
            return steps, len(items) if node.data == "list_lit" else len(items) // 2
        if len(children) == 1:
            steps, items = self.walk(children[0])
            return steps + 1, items
        return 1 + sum(self.walk(child)[0] for child in children), None

    def _field_size(self, root: str, name: str) -> int | None:
        known = self.scope.fields_of(root) or {}
        info = known.get(name)
        if info is not None and info.kind == LIST and info.choices is not None:
            return len(info.choices)
        return None

    def _comprehension(self, node: lark.Tree, children: list) -> tuple[int, int | None] | None:
        method = str(children[1])
        arguments = child_nodes(children[2]) if len(children) > 2 else []
        variable = comprehension_variable(arguments[0]) if arguments else None
        if method not in COMPREHENSIONS or len(arguments) < 2 or variable is None:
            return None
        receiver_steps, items = self.walk(children[0])
        size = self.unknown_size if items is None else items
        self.nesting += 1
        self.deepest = max(self.deepest, self.nesting)
        shadowed = self.bound.get(variable, _UNBOUND)
        self.bound[variable] = None
        try:
            body = sum(self.walk(argument)[0] for argument in arguments[1:])
        finally:
            self.nesting -= 1
            if shadowed is _UNBOUND:
                del self.bound[variable]
            else:
                self.bound[variable] = shadowed
        # The node, its arguments' list and the variable once; the body (and its root) per item.
        steps = 2 + receiver_steps + _nodes(arguments[0]) + size * (body + 1)
        return steps, (size if method in _LIST_RESULTS else None)


def condition_cost(tree: lark.Tree, scope: ConditionScope) -> ConditionCost:
    """The checked worst case of evaluating `tree` (parsed by `parse_condition`, so bounded)."""
    walk = _CostWalk(scope)
    steps, _items = walk.walk(tree)
    return ConditionCost(steps=steps, nesting=walk.deepest)


def cost_errors(tree: lark.Tree, scope: ConditionScope) -> list[str]:
    """The refusal when the condition's comprehensions nest too deep or it may take too many steps."""
    cost = condition_cost(tree, scope)
    max_nesting = limits.condition_max_comprehension_nesting()
    if cost.nesting > max_nesting:
        return [
            _(
                "Comprehensions (all, exists, exists_one, map, filter) nest %(depth)d deep in the condition; at "
                "most %(n)d may be nested inside one another."
            )
            % {"depth": cost.nesting, "n": max_nesting}
        ]
    max_steps = limits.condition_max_steps()
    if cost.steps > max_steps:
        return [
            _(
                "The condition may take up to %(steps)d evaluation steps; at most %(n)d are allowed. A "
                "comprehension repeats its body once per item of what it ranges over: the items of a list, the "
                "choices of a multiple-choice field, up to %(items)d for a value whose size is not known."
            )
            % {"steps": cost.steps, "n": max_steps, "items": limits.field_max_choices()}
        ]
    return []
