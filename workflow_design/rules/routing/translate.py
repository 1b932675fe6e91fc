"""A parsed condition as solver terms, with the runtime's error semantics.

A condition may fail to evaluate (a field without a value, a division by zero, operands CEL has no
overload for); the runtime then does not take the transition. So a true/false value is a pair of
formulas, `true` and `false`, and "cannot be evaluated" is neither. `&&` and `||` follow CEL: one
false operand makes `&&` false and one true operand makes `||` true even when the other fails.

Numbers follow the evaluation the runtime uses (`cel.evaluate_condition`): a whole number arrives
as an int and any other as a double; ints and doubles mix only where it accepts them.

A construct outside the analysed subset raises `NotAnalysed` up to the nearest true/false
context, where it becomes an unknown (but error-free) value and is recorded by name: the checks
then never report what depends on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import lark
import z3
from django.utils.translation import gettext as _

from workflow_design.rules.cel.kinds import literal_token_type
from workflow_design.rules.cel.syntax import child_nodes
from workflow_design.rules.field_schemas import BOOLEAN, CHOICE, DATE, INTEGER, MULTIPLE_CHOICE, NUMBER
from workflow_design.rules.routing.fields import TEXT_LIKE, FieldSpec, FieldVariable, day_number, field_variable

TRUE, FALSE = z3.BoolVal(True), z3.BoolVal(False)
ORDER = {"relation_lt", "relation_le", "relation_gt", "relation_ge"}


class NotAnalysed(Exception):
    """A construct the translation does not cover; its text names it for the warning."""

    def __init__(self, construct: str, *, reported_elsewhere: bool = False) -> None:
        super().__init__(construct)
        self.construct = construct
        # Ticket fields with no ticket definition using the workflow: the linter warns of that already.
        self.reported_elsewhere = reported_elsewhere


@dataclass
class Truth:
    """A true/false value: when it is true, when it is false (neither: it cannot be evaluated)."""

    true: Any
    false: Any


@dataclass
class Value:
    """A non-boolean value: `kind` is number, string, choice, multi, date or list."""

    kind: str
    term: Any
    defined: Any = TRUE
    is_double: Any = FALSE
    choices: tuple[str, ...] = ()
    literal: Any = None
    is_literal: bool = False


def _and(*parts: Any) -> Any:
    parts = tuple(p for p in parts if not z3.is_true(p))
    return TRUE if not parts else parts[0] if len(parts) == 1 else z3.And(*parts)


class ConditionTranslator:
    """Translates the conditions of one task over one set of field variables."""

    def __init__(self, fields: dict[str, dict[str, FieldSpec] | None]) -> None:
        self.fields = fields  # root -> name -> spec; `None`: the root's fields are unknown
        self.not_analysed: list[str] = []
        self.partial = False  # some part became an unknown value (named in `not_analysed` or not)
        self.read: set[str] = set()  # references whose value is read (outside has())
        # Every field named (has() included): only these become solver variables, so a task's
        # questions carry the constraints of the fields its conditions read, no others.
        self.touched: dict[str, FieldVariable] = {}
        self._fresh = 0

    def condition(self, tree: lark.Tree) -> Truth:
        self.not_analysed, self.read, self.partial = [], set(), False
        return self.truth(tree)

    # True/false contexts: where an unanalysed part becomes an unknown value ------------------
    def truth(self, node: Any) -> Truth:
        try:
            try:
                return self._as_truth(self.node(node))
            except (z3.Z3Exception, RecursionError, ValueError, TypeError) as exc:
                # A combination the translation did not foresee: named, never a crash of the linter.
                raise NotAnalysed(_("an expression the analysis cannot translate")) from exc
        except NotAnalysed as exc:
            self.partial = True
            if not exc.reported_elsewhere and exc.construct not in self.not_analysed:
                self.not_analysed.append(exc.construct)
            self._fresh += 1
            unknown = z3.Bool(f"?unknown{self._fresh}")
            return Truth(unknown, z3.Not(unknown))

    def _as_truth(self, value: Truth | Value) -> Truth:
        if isinstance(value, Truth):
            return value
        raise NotAnalysed(_("a value that is not true/false used as a condition"))

    def node(self, node: Any) -> Truth | Value:
        if isinstance(node, lark.Token):
            raise NotAnalysed(str(node))
        children = child_nodes(node)
        handler = getattr(self, f"_{node.data}", None)
        if handler is None:
            raise NotAnalysed(node.data)
        if len(children) == 1 and node.data in _PASS_THROUGH:
            return self.node(children[0])
        return handler(node, children)

    # Logic ------------------------------------------------------------------------------------
    def _expr(self, node, children) -> Truth:
        condition, yes, no = (self.truth(c) for c in children)
        return Truth(
            z3.Or(_and(condition.true, yes.true), _and(condition.false, no.true)),
            z3.Or(_and(condition.true, yes.false), _and(condition.false, no.false)),
        )

    def _conditionalor(self, node, children) -> Truth:
        left, right = (self.truth(c) for c in children)
        return Truth(z3.Or(left.true, right.true), _and(left.false, right.false))

    def _conditionaland(self, node, children) -> Truth:
        left, right = (self.truth(c) for c in children)
        return Truth(_and(left.true, right.true), z3.Or(left.false, right.false))

    def _unary(self, node, children) -> Truth | Value:
        operator, operand = children
        if operator.data == "unary_not":
            inner = self.truth(operand)
            return Truth(inner.false, inner.true)
        value = self._number(self.node(operand), "-")
        return Value("number", -value.term, value.defined, value.is_double)

    # Comparisons ------------------------------------------------------------------------------
    def _relation(self, node, children) -> Truth:
        operator_node, right_node = children
        operator = operator_node.data
        left, right = self.node(child_nodes(operator_node)[0]), self.node(right_node)
        if operator == "relation_in":
            return self._in(left, right)
        if isinstance(left, Truth) or isinstance(right, Truth):
            if operator in ORDER or not (isinstance(left, Truth) and isinstance(right, Truth)):
                raise NotAnalysed(_("true/false values compared with %(op)s") % {"op": operator})
            same = z3.Or(_and(left.true, right.true), _and(left.false, right.false))
            differ = z3.Or(_and(left.true, right.false), _and(left.false, right.true))
            return Truth(same, differ) if operator == "relation_eq" else Truth(differ, same)
        defined, holds = self._compare(operator, left, right)
        return Truth(_and(defined, holds), _and(defined, z3.Not(holds)))

    def _compare(self, operator: str, left: Value, right: Value) -> tuple[Any, Any]:
        defined = _and(left.defined, right.defined)
        if left.kind == "number" and right.kind == "number":
            if operator in ORDER:  # an int on the left takes no double on the right
                defined = _and(defined, z3.Not(z3.And(z3.Not(left.is_double), right.is_double)))
            else:
                defined = _and(defined, left.is_double == right.is_double)
            return defined, _ORDERING[operator](left.term, right.term)
        if left.kind == "choice" or right.kind == "choice":
            return defined, self._choice_compare(operator, left, right)
        if left.kind == "date" or right.kind == "date":
            return defined, self._date_compare(operator, left, right)
        if left.kind == "string" and right.kind == "string":
            return defined, _ORDERING[operator](left.term, right.term)
        raise NotAnalysed(_("%(left)s compared with %(right)s") % {"left": left.kind, "right": right.kind})

    def _choice_compare(self, operator: str, left: Value, right: Value) -> Any:
        field, other, flipped = (left, right, False) if left.kind == "choice" else (right, left, True)
        if other.is_literal and isinstance(other.literal, str):
            matching = [
                i
                for i, choice in enumerate(field.choices)
                if (
                    _python_compare(operator, other.literal, choice)
                    if flipped
                    else _python_compare(operator, choice, other.literal)
                )
            ]
            return z3.Or([field.term == i for i in matching]) if matching else FALSE
        as_text = [self._as_string(v) for v in (left, right)]
        return _ORDERING[operator](as_text[0], as_text[1])

    def _as_string(self, value: Value) -> Any:
        if value.kind == "string":
            return value.term
        if value.kind == "choice":
            text = z3.StringVal(value.choices[-1])
            for i, choice in enumerate(value.choices[:-1]):
                text = z3.If(value.term == i, z3.StringVal(choice), text)
            return text
        raise NotAnalysed(_("%(kind)s used as text") % {"kind": value.kind})

    def _date_compare(self, operator: str, left: Value, right: Value) -> Any:
        days = []
        for side in (left, right):
            if side.kind == "date":
                days.append(side.term)
            elif side.is_literal and isinstance(side.literal, str) and day_number(side.literal) is not None:
                days.append(z3.IntVal(day_number(side.literal)))
            elif side.is_literal and isinstance(side.literal, str) and operator in ("relation_eq", "relation_ne"):
                return FALSE if operator == "relation_eq" else TRUE  # a date is never that text
            else:
                raise NotAnalysed(_("a date compared with something other than a date written YYYY-MM-DD"))
        return _ORDERING[operator](days[0], days[1])

    def _in(self, left: Truth | Value, right: Truth | Value) -> Truth:
        if isinstance(right, Value) and right.kind == "multi":
            if isinstance(left, Value) and left.is_literal and isinstance(left.literal, str):
                holds = right.term.get(left.literal, FALSE)
            elif isinstance(left, Value) and left.kind == "choice":
                holds = z3.Or([_and(left.term == i, right.term.get(c, FALSE)) for i, c in enumerate(left.choices)])
            else:
                raise NotAnalysed(_("'in' on a multiple-choice field with a value that is not a text literal"))
            defined = _and(left.defined, right.defined) if isinstance(left, Value) else right.defined
            return Truth(_and(defined, holds), _and(defined, z3.Not(holds)))
        if not (isinstance(right, Value) and right.kind == "list") or isinstance(left, Truth):
            raise NotAnalysed(_("'in' on something other than a list written in the condition"))
        defined, matches = left.defined, []
        for item in right.term:
            item_defined, equal = self._compare("relation_eq", left, item)
            defined = _and(defined, item_defined)
            matches.append(equal)
        holds = z3.Or(matches) if matches else FALSE
        return Truth(_and(defined, holds), _and(defined, z3.Not(holds)))

    # Arithmetic -------------------------------------------------------------------------------
    def _number(self, value: Truth | Value, symbol: str) -> Value:
        if isinstance(value, Value) and value.kind == "number":
            return value
        raise NotAnalysed(_("%(symbol)s on something other than numbers") % {"symbol": symbol})

    def _addition(self, node, children) -> Value:
        return self._arithmetic(children)

    def _multiplication(self, node, children) -> Value:
        return self._arithmetic(children)

    def _arithmetic(self, children) -> Value:
        operator_node, right_node = children
        operator = operator_node.data
        left, right = self.node(child_nodes(operator_node)[0]), self.node(right_node)
        if operator == "addition_add" and isinstance(left, Value) and left.kind in ("string", "choice"):
            if not isinstance(right, Value):
                raise NotAnalysed("+")
            term = z3.Concat(self._as_string(left), self._as_string(right))
            return Value("string", term, _and(left.defined, right.defined))
        left, right = self._number(left, operator), self._number(right, operator)
        if not (z3.is_false(left.is_double) and z3.is_false(right.is_double)):
            # The runtime's results of arithmetic on doubles are of a kind of their own, whose
            # comparisons follow other rules: only whole-number arithmetic is analysed.
            raise NotAnalysed(_("arithmetic on numbers that may have decimals"))
        defined = _and(left.defined, right.defined)
        if operator in ("addition_add", "addition_sub", "multiplication_mul"):
            term = {"addition_add": left.term + right.term, "addition_sub": left.term - right.term}.get(
                operator, left.term * right.term
            )
            return Value("number", term, defined)
        nonzero = right.term != 0
        quotient = left.term / right.term
        # Whole-number division truncates toward zero.
        whole = z3.If(quotient >= 0, z3.ToReal(z3.ToInt(quotient)), -z3.ToReal(z3.ToInt(-quotient)))
        if operator == "multiplication_div":
            return Value("number", whole, _and(defined, nonzero))
        if operator == "multiplication_mod":
            return Value("number", left.term - right.term * whole, _and(defined, nonzero))
        raise NotAnalysed(operator)

    # Names, fields, calls ---------------------------------------------------------------------
    def _member(self, node, children) -> Truth | Value:
        return self.node(children[0])

    _primary = _member
    _paren_expr = _member

    def _root(self, node: Any) -> str | None:
        while isinstance(node, lark.Tree) and node.data in ("member", "primary") and len(child_nodes(node)) == 1:
            node = child_nodes(node)[0]
        if isinstance(node, lark.Tree) and node.data == "ident":
            return str(child_nodes(node)[0])
        return None

    def _variable(self, root: str | None, name: str) -> FieldVariable:
        known = self.fields.get(root or "")
        if known is None:
            raise NotAnalysed(
                _("%(root)s fields (their definitions are not known)") % {"root": root},
                reported_elsewhere=root == "ticket",
            )
        reference = f"{root}.{name}"
        variable = self.touched.get(reference)
        if variable is None:
            spec = known.get(name)
            variable = field_variable(reference, spec) if spec is not None else None
            if variable is None or variable.value is None:
                raise NotAnalysed(reference)
            self.touched[reference] = variable
        return variable

    def _field(self, root: str | None, name: str) -> Truth | Value:
        variable = self._variable(root, name)
        self.read.add(variable.reference)
        kind, is_set = variable.spec.type, variable.is_set
        if kind == BOOLEAN:
            return Truth(_and(is_set, variable.value), _and(is_set, z3.Not(variable.value)))
        if kind in (INTEGER, NUMBER):
            return Value("number", variable.value, is_set, variable.is_double)
        if kind in TEXT_LIKE:
            return Value("string", variable.value, is_set)
        if kind == CHOICE:
            return Value("choice", variable.value, is_set, choices=variable.spec.choices)
        if kind == MULTIPLE_CHOICE:
            return Value("multi", variable.value, is_set, choices=variable.spec.choices)
        if kind == DATE:
            return Value("date", variable.value, is_set)
        raise NotAnalysed(variable.reference)

    def _member_dot(self, node, children) -> Truth | Value:
        target, name = children
        return self._field(self._root(target), str(name))

    def _member_index(self, node, children) -> Truth | Value:
        target, index = children
        key = self.node(index)
        if not (isinstance(key, Value) and key.is_literal and isinstance(key.literal, str)):
            raise NotAnalysed(_("[ ] with a computed key"))
        return self._field(self._root(target), key.literal)

    def _member_dot_arg(self, node, children) -> Truth | Value:
        target, method = children[0], str(children[1])
        arguments = child_nodes(children[2]) if len(children) > 2 else []
        if method == "size" and not arguments:
            return self._size(self.node(target))
        if method not in ("contains", "startsWith", "endsWith") or len(arguments) != 1:
            raise NotAnalysed(f"{method}()")
        receiver, argument = self.node(target), self.node(arguments[0])
        if not (isinstance(receiver, Value) and isinstance(argument, Value)):
            raise NotAnalysed(f"{method}()")
        text, part = self._as_string(receiver), self._as_string(argument)
        holds = {
            "contains": lambda: z3.Contains(text, part),
            "startsWith": lambda: z3.PrefixOf(part, text),
            "endsWith": lambda: z3.SuffixOf(part, text),
        }[method]()
        defined = _and(receiver.defined, argument.defined)
        return Truth(_and(defined, holds), _and(defined, z3.Not(holds)))

    def _size(self, value: Truth | Value) -> Value:
        if isinstance(value, Value) and value.kind in ("string", "choice"):
            return Value("number", z3.ToReal(z3.Length(self._as_string(value))), value.defined)
        if isinstance(value, Value) and value.kind == "multi":
            count = z3.Sum([z3.If(member, 1, 0) for member in value.term.values()] or [z3.IntVal(0)])
            return Value("number", z3.ToReal(count), value.defined)
        raise NotAnalysed("size()")

    def _ident_arg(self, node, children) -> Truth | Value:
        function = str(children[0])
        arguments = child_nodes(children[1]) if len(children) > 1 else []
        if function == "has" and len(arguments) == 1:
            reference = _single(arguments[0], "member_dot")
            if reference is None:
                raise NotAnalysed("has()")
            target, name = child_nodes(reference)
            is_set = self._variable(self._root(target), str(name)).is_set
            return Truth(is_set, z3.Not(is_set))
        if function == "size" and len(arguments) == 1:
            return self._size(self.node(arguments[0]))
        raise NotAnalysed(f"{function}()")

    def _ident(self, node, children) -> Value:
        raise NotAnalysed(str(children[0]))

    def _list_lit(self, node, children) -> Value:
        items = [self.node(c) for c in (child_nodes(children[0]) if children else [])]
        if any(isinstance(item, Truth) for item in items):
            raise NotAnalysed(_("a list of true/false values"))
        return Value("list", items)

    def _literal(self, node, children) -> Truth | Value:
        token = children[0]
        literal = _literal_of(token.type, str(token))
        value = literal.literal
        if token.type == "BOOL_LIT":
            return Truth(TRUE, FALSE) if value else Truth(FALSE, TRUE)
        if token.type == "INT_LIT" and literal.is_literal:
            return Value("number", z3.RealVal(value), literal=value, is_literal=True)
        if token.type == "FLOAT_LIT" and literal.is_literal:
            return Value("number", z3.RealVal(str(value)), is_double=TRUE, literal=value, is_literal=True)
        if token.type in ("STRING_LIT", "MLSTRING_LIT") and literal.is_literal:
            return Value("string", z3.StringVal(value), literal=value, is_literal=True)
        raise NotAnalysed(str(token))


_PASS_THROUGH = {
    "expr",
    "conditionalor",
    "conditionaland",
    "relation",
    "addition",
    "multiplication",
    "unary",
    "member",
    "primary",
}
_ORDERING = {
    "relation_lt": lambda a, b: a < b,
    "relation_le": lambda a, b: a <= b,
    "relation_gt": lambda a, b: a > b,
    "relation_ge": lambda a, b: a >= b,
    "relation_eq": lambda a, b: a == b,
    "relation_ne": lambda a, b: a != b,
}


@lru_cache(maxsize=4096)
def _literal_of(token_type: str, text: str):
    """A literal's value, remembered: reading a text literal compiles it, and tasks repeat literals."""
    return literal_token_type(lark.Token(token_type, text))


def _python_compare(operator: str, left: str, right: str) -> bool:
    return bool(_ORDERING[operator](left, right))


def _single(node: Any, data: str) -> lark.Tree | None:
    """The `data` node a chain of single-child nodes leads to, if it does."""
    while isinstance(node, lark.Tree) and node.data != data and len(child_nodes(node)) == 1:
        node = child_nodes(node)[0]
    return node if isinstance(node, lark.Tree) and node.data == data else None
