"""The walk over one parsed condition: unknown fields and operands that do not fit their operators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import lark
from django.utils.translation import gettext as _

from workflow_design.rules.cel.kinds import (
    BOOL,
    BOOL_VALUE,
    BYTES,
    DYN,
    DYN_VALUE,
    LIST,
    MAP,
    NULL,
    NUM,
    NUM_VALUE,
    STR,
    STR_VALUE,
    ValueType,
    literal_text,
    literal_token_type,
    literal_type,
)
from workflow_design.rules.cel.scope import ROOTS, ConditionScope
from workflow_design.rules.cel.syntax import child_nodes

MACROS = {"exists", "all", "exists_one", "map", "filter"}
STRING_METHODS = {"contains", "startsWith", "endsWith", "matches"}
_ORDER_SYMBOLS = {"relation_lt": "<", "relation_le": "<=", "relation_gt": ">", "relation_ge": ">="}
_ARITHMETIC_SYMBOLS = {
    "addition_add": "+",
    "addition_sub": "-",
    "multiplication_mul": "*",
    "multiplication_div": "/",
    "multiplication_mod": "%",
}


def _position(node: Any) -> str:
    meta = getattr(node, "meta", None)
    line = getattr(node, "line", None) or (getattr(meta, "line", None) if meta and not meta.empty else None)
    column = getattr(node, "column", None) or (getattr(meta, "column", None) if meta and not meta.empty else None)
    if line and column:
        return _(" (line %(line)d, column %(column)d)") % {"line": line, "column": column}
    return ""


class TreeChecker:
    """One walk over one parsed condition: infers each node's kind and collects what does not fit."""

    def __init__(self, scope: ConditionScope) -> None:
        self.scope = scope
        self.errors: list[str] = []
        self.bound: list[str] = []
        self.named_output_owner = False

    def error(self, message: str) -> None:
        if message not in self.errors:
            self.errors.append(message)

    # Entry -------------------------------------------------------------------------------
    def check(self, tree: lark.Tree) -> None:
        result = self.infer(tree)
        if result.kind not in (BOOL, DYN):
            self.error(_("The condition must give true or false, but it gives %(what)s.") % {"what": result.describe()})

    def infer(self, node: Any) -> ValueType:
        if isinstance(node, lark.Token):
            return DYN_VALUE
        handler = getattr(self, f"_{node.data}", None)
        if handler is None:
            for child in child_nodes(node):
                self.infer(child)
            return DYN_VALUE
        return handler(node)

    # Logic -------------------------------------------------------------------------------
    def _expr(self, node: lark.Tree) -> ValueType:
        children = child_nodes(node)
        if len(children) == 1:
            return self.infer(children[0])
        condition, yes, no = (self.infer(c) for c in children)
        self._need_bool(condition, "? :")
        if yes.kind == no.kind:
            return ValueType(yes.kind)
        return DYN_VALUE

    def _need_bool(self, value: ValueType, operator: str) -> None:
        if value.kind not in (BOOL, DYN):
            self.error(
                _("%(operator)s needs true/false values, but %(what)s is not one.")
                % {"operator": operator, "what": value.describe()}
            )

    def _conditionalor(self, node: lark.Tree) -> ValueType:
        return self._logical(node, "||")

    def _conditionaland(self, node: lark.Tree) -> ValueType:
        return self._logical(node, "&&")

    def _logical(self, node: lark.Tree, operator: str) -> ValueType:
        children = child_nodes(node)
        if len(children) == 1:
            return self.infer(children[0])
        for child in children:
            self._need_bool(self.infer(child), operator)
        return BOOL_VALUE

    # Comparisons -------------------------------------------------------------------------
    def _binary(self, node: lark.Tree, check: Callable[[str, ValueType, ValueType], ValueType]) -> ValueType:
        """A lone operand gives its own type; an operation, `check(operator, left, right)`."""
        children = child_nodes(node)
        if len(children) == 1:
            return self.infer(children[0])
        operator_node, right_node = children
        left = self.infer(child_nodes(operator_node)[0])
        return check(operator_node.data, left, self.infer(right_node))

    def _relation(self, node: lark.Tree) -> ValueType:
        return self._binary(node, self._check_relation)

    def _check_relation(self, operator: str, left: ValueType, right: ValueType) -> ValueType:
        if operator in ("relation_eq", "relation_ne"):
            self._compare_equal(left, right)
        elif operator == "relation_in":
            self._compare_in(left, right)
        else:
            self._compare_order(left, right, _ORDER_SYMBOLS[operator])
        return BOOL_VALUE

    def _compatible(self, left: ValueType, right: ValueType) -> bool:
        if DYN in (left.kind, right.kind) or NULL in (left.kind, right.kind):
            return True
        return left.kind == right.kind

    def _need_compatible(self, left: ValueType, right: ValueType) -> bool:
        if self._compatible(left, right):
            return True
        self.error(
            _("%(left)s is compared with %(right)s; the types do not match.")
            % {"left": left.describe(), "right": right.describe()}
        )
        return False

    def _compare_equal(self, left: ValueType, right: ValueType) -> None:
        if not self._need_compatible(left, right):
            return
        for field_side, value_side in ((left, right), (right, left)):
            if field_side.choices is not None and field_side.kind == STR and value_side.is_literal:
                self._need_choice(field_side, value_side.literal)

    def _need_choice(self, field_side: ValueType, value: Any) -> None:
        if value not in field_side.choices:  # type: ignore[operator]
            self.error(
                _("%(value)s is not a choice of %(field)s; its choices are %(choices)s.")
                % {
                    "value": literal_text(value),
                    "field": field_side.name,
                    "choices": ", ".join(field_side.choices or ()) or _("none"),
                }
            )

    def _compare_in(self, left: ValueType, right: ValueType) -> None:
        if right.kind not in (LIST, MAP, DYN):
            self.error(
                _("'in' needs a list on its right side, but %(right)s is not one.") % {"right": right.describe()}
            )
            return
        if right.kind == LIST and right.choices is not None and left.is_literal:
            # "a" in ticket.tags: a multiple-choice field holds only its choices.
            self._need_choice(right, left.literal)
        if right.items is not None:
            for item in right.items:
                item_type = literal_type(item)
                if not self._compatible(left, item_type):
                    self.error(
                        _("%(left)s is looked up in a list holding %(item)s; the types do not match.")
                        % {"left": left.describe(), "item": item_type.describe()}
                    )
                elif left.choices is not None and left.kind == STR:
                    self._need_choice(left, item)

    def _compare_order(self, left: ValueType, right: ValueType, symbol: str) -> None:
        for side in (left, right):
            if side.kind in (BOOL, LIST, MAP, NULL, BYTES):
                self.error(
                    _("%(what)s cannot be ordered with %(symbol)s.") % {"what": side.describe(), "symbol": symbol}
                )
                return
        self._need_compatible(left, right)

    # Arithmetic --------------------------------------------------------------------------
    def _addition(self, node: lark.Tree) -> ValueType:
        return self._binary(node, self._check_arithmetic)

    def _multiplication(self, node: lark.Tree) -> ValueType:
        return self._binary(node, self._check_arithmetic)

    def _check_arithmetic(self, operator: str, left: ValueType, right: ValueType) -> ValueType:
        symbol = _ARITHMETIC_SYMBOLS[operator]
        allowed = {NUM, STR, LIST} if symbol == "+" else {NUM}
        for side in (left, right):
            if side.kind not in allowed | {DYN}:
                self.error(_("%(what)s cannot be used with %(symbol)s.") % {"what": side.describe(), "symbol": symbol})
                return DYN_VALUE
        if not self._compatible(left, right):
            self.error(
                _("%(left)s and %(right)s cannot be combined with %(symbol)s.")
                % {"left": left.describe(), "right": right.describe(), "symbol": symbol}
            )
            return DYN_VALUE
        kind = left.kind if left.kind != DYN else right.kind
        return ValueType(kind)

    def _unary(self, node: lark.Tree) -> ValueType:
        children = child_nodes(node)
        if len(children) == 1:
            return self.infer(children[0])
        operator_node, operand_node = children
        operand = self.infer(operand_node)
        if operator_node.data == "unary_not":
            self._need_bool(operand, "!")
            return BOOL_VALUE
        if operand.kind not in (NUM, DYN):
            self.error(_("%(what)s cannot be negated with -.") % {"what": operand.describe()})
        return NUM_VALUE

    # Members and names -------------------------------------------------------------------
    def _member(self, node: lark.Tree) -> ValueType:
        return self.infer(child_nodes(node)[0])

    def _primary(self, node: lark.Tree) -> ValueType:
        return self.infer(child_nodes(node)[0])

    def _paren_expr(self, node: lark.Tree) -> ValueType:
        return self.infer(child_nodes(node)[0])

    def _root_of(self, node: Any) -> str | None:
        """`ticket`, `workflow` or `output` when `node` is just that name."""
        while isinstance(node, lark.Tree) and node.data in ("member", "primary") and len(child_nodes(node)) == 1:
            node = child_nodes(node)[0]
        if isinstance(node, lark.Tree) and node.data == "ident":
            name = str(child_nodes(node)[0])
            if name in ROOTS and name not in self.bound:
                return name
        return None

    def _field(self, root: str, name: str, where: Any) -> ValueType:
        known = self.scope.fields_of(root)
        full = f"{root}.{name}"
        if root == "output" and known is None:
            self.error(
                _("%(name)s cannot be used%(where)s: %(reason)s.")
                % {"name": full, "where": _position(where), "reason": self.scope.no_output_reason}
            )
            return DYN_VALUE
        if known is None:
            # No ticket definition uses the workflow yet: the linter warns about it.
            return ValueType(DYN, name=full)
        if name not in known:
            listing = ", ".join(known) or _("none")
            if root == "output":
                self.named_output_owner = True
                message = _(
                    "Unknown field %(name)s%(where)s: the task %(task)s has no output field %(field)s. "
                    "Known output fields: %(known)s."
                ) % {
                    "name": full,
                    "where": _position(where),
                    "task": self.scope.output_owner,
                    "field": name,
                    "known": listing,
                }
            elif root == "workflow":
                message = _("Unknown field %(name)s%(where)s. Known workflow fields: %(known)s.") % {
                    "name": full,
                    "where": _position(where),
                    "known": listing,
                }
            else:
                message = _(
                    "Unknown field %(name)s%(where)s: it must be a field of every ticket definition using "
                    "this workflow (%(owners)s). Known ticket fields: %(known)s."
                ) % {"name": full, "where": _position(where), "owners": self.scope.ticket_owners, "known": listing}
            self.error(message)
            return DYN_VALUE
        info = known[name]
        return ValueType(info.kind, name=full, choices=info.choices)

    def _member_dot(self, node: lark.Tree) -> ValueType:
        target, name_token = child_nodes(node)
        root = self._root_of(target)
        if root is not None:
            return self._field(root, str(name_token), name_token)
        self.infer(target)
        return DYN_VALUE

    def _member_index(self, node: lark.Tree) -> ValueType:
        target, index = child_nodes(node)
        root = self._root_of(target)
        index_type = self.infer(index)
        if root is not None and index_type.is_literal and isinstance(index_type.literal, str):
            return self._field(root, index_type.literal, index)
        if root is None:
            self.infer(target)
        return DYN_VALUE

    def _member_dot_arg(self, node: lark.Tree) -> ValueType:
        children = child_nodes(node)
        target, method = children[0], str(children[1])
        arguments = child_nodes(children[2]) if len(children) > 2 else []
        receiver = self.infer(target)
        if method in MACROS and arguments:
            first = arguments[0]
            variable = self._bare_ident(first)
            if variable:
                self.bound.append(variable)
                try:
                    for argument in arguments[1:]:
                        self.infer(argument)
                finally:
                    self.bound.pop()
                return BOOL_VALUE if method in ("exists", "all", "exists_one") else ValueType(LIST)
        for argument in arguments:
            self.infer(argument)
        if method in STRING_METHODS:
            if receiver.kind not in (STR, DYN):
                self.error(
                    _("%(what)s has no %(method)s(); only text has.") % {"what": receiver.describe(), "method": method}
                )
            return BOOL_VALUE
        if method == "size":
            return NUM_VALUE
        return DYN_VALUE

    def _bare_ident(self, node: Any) -> str | None:
        while isinstance(node, lark.Tree) and len(child_nodes(node)) == 1 and node.data != "ident":
            node = child_nodes(node)[0]
        if isinstance(node, lark.Tree) and node.data == "ident":
            return str(child_nodes(node)[0])
        return None

    def _ident(self, node: lark.Tree) -> ValueType:
        token = child_nodes(node)[0]
        name = str(token)
        if name in self.bound:
            return DYN_VALUE
        if name in ROOTS:
            return ValueType(MAP, name=name)
        self.error(
            _("Unknown name %(name)s%(where)s: conditions use ticket.<field>, workflow.<field> and output.<field>.")
            % {"name": name, "where": _position(token)}
        )
        return DYN_VALUE

    def _ident_arg(self, node: lark.Tree) -> ValueType:
        children = child_nodes(node)
        function = str(children[0])
        arguments = child_nodes(children[1]) if len(children) > 1 else []
        types = [self.infer(a) for a in arguments]
        if function == "has":
            return BOOL_VALUE
        if function in ("size", "int", "uint", "double"):
            return NUM_VALUE
        if function == "string":
            return STR_VALUE
        if function == "bool":
            return BOOL_VALUE
        if function == "matches":
            return BOOL_VALUE
        del types
        return DYN_VALUE

    def _dot_ident(self, node: lark.Tree) -> ValueType:
        return DYN_VALUE

    def _list_lit(self, node: lark.Tree) -> ValueType:
        children = child_nodes(node)
        items = [self.infer(c) for c in (child_nodes(children[0]) if children else [])]
        if all(item.is_literal for item in items):
            return ValueType(LIST, items=tuple(item.literal for item in items))
        return ValueType(LIST)

    def _map_lit(self, node: lark.Tree) -> ValueType:
        for child in child_nodes(node):
            self.infer(child)
        return ValueType(MAP)

    def _literal(self, node: lark.Tree) -> ValueType:
        token = child_nodes(node)[0]
        return literal_token_type(token)
