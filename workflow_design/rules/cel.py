"""Transition conditions in CEL (Common Expression Language), checked at design time.

A condition is parsed with cel-python (never Python `eval`) and then walked once to check
what the runtime would otherwise discover on a live ticket:

* every `output.<name>` is a field of the source task's output form, every
  `workflow.<name>` a workflow field, every `ticket.<name>` a field of each ticket
  definition that uses the workflow;
* where the field types are known, operands fit their operators (a yes/no field is not
  compared with a number, a choice field only with one of its choices, `&&` joins
  true/false values, the whole condition gives true or false).

`evaluate_condition` is the evaluation the runtime uses; the dry run calls it too.
"""

from __future__ import annotations

import ast as python_ast
import dataclasses
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import celpy
import lark
from celpy import celtypes
from django.utils.translation import gettext as _

from workflow_design.rules.field_schemas import BOOLEAN, CHOICE, INTEGER, MULTIPLE_CHOICE, NUMBER, fields_by_name

ROOTS = ("ticket", "workflow", "output")

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
MACROS = {"exists", "all", "exists_one", "map", "filter"}
STRING_METHODS = {"contains", "startsWith", "endsWith", "matches"}


class ConditionEvaluationError(ValueError):
    """A condition could not be evaluated on these values (missing field, no such overload...)."""


def field_kind(field_def: Mapping[str, Any]) -> str:
    field_type = field_def.get("type")
    if field_type == BOOLEAN:
        return BOOL
    if field_type in (INTEGER, NUMBER):
        return NUM
    if field_type == MULTIPLE_CHOICE:
        return LIST
    # Text, long text, email, choice, and dates (ISO strings in ticket data).
    return STR


def _choices_of(field_def: Mapping[str, Any]) -> tuple[str, ...] | None:
    if field_def.get("type") not in (CHOICE, MULTIPLE_CHOICE):
        return None
    values = []
    for choice in field_def.get("choices") or []:
        values.append(choice.get("value") if isinstance(choice, dict) else choice)
    return tuple(str(v) for v in values)


@dataclass(frozen=True)
class FieldInfo:
    kind: str
    choices: tuple[str, ...] | None = None


@dataclass
class ConditionScope:
    """What a condition may name: `None` for a root means its fields cannot be checked."""

    output: dict[str, FieldInfo] | None
    workflow: dict[str, FieldInfo]
    ticket: dict[str, FieldInfo] | None
    output_owner: str = ""
    ticket_owners: str = ""
    no_output_reason: str = ""

    def fields_of(self, root: str) -> dict[str, FieldInfo] | None:
        return {"output": self.output, "workflow": self.workflow, "ticket": self.ticket}[root]

    @functools.cached_property
    def check_key(self) -> tuple:
        """Everything a condition's check reads from this scope except the output form's owner,
        which only one message names (see `ConditionChecker`). Scopes are not changed once made."""

        def frozen(fields: dict[str, FieldInfo] | None) -> tuple | None:
            return None if fields is None else tuple(fields.items())

        return (
            frozen(self.output),
            frozen(self.workflow),
            frozen(self.ticket),
            self.ticket_owners,
            self.no_output_reason,
        )


def _infos(fields: Any) -> dict[str, FieldInfo]:
    return {name: FieldInfo(field_kind(f), _choices_of(f)) for name, f in fields_by_name(fields).items()}


def ticket_field_infos(ticket_field_lists: list[Any]) -> dict[str, FieldInfo] | None:
    """Fields every ticket definition has; a type that differs between them becomes unknown."""
    if not ticket_field_lists:
        return None
    per_definition = [_infos(fields) for fields in ticket_field_lists]
    common = set(per_definition[0])
    for infos in per_definition[1:]:
        common &= set(infos)
    merged: dict[str, FieldInfo] = {}
    for name in sorted(common, key=lambda n: list(per_definition[0]).index(n)):
        kinds = {infos[name].kind for infos in per_definition}
        if len(kinds) > 1:
            merged[name] = FieldInfo(DYN)
            continue
        choices: set[str] | None = set()
        for infos in per_definition:
            if infos[name].choices is None:
                choices = None
                break
            choices |= set(infos[name].choices)  # type: ignore[operator]
        merged[name] = FieldInfo(kinds.pop(), tuple(sorted(choices)) if choices is not None else None)
    return merged


def scope_for(*, workflow, from_task, ticket_definitions: Iterable[Any] | None = None) -> ConditionScope:
    """The names a condition of a transition leaving `from_task` may use.

    `ticket_definitions` defaults to the ticket definitions using `workflow` (prefetched
    ones are used as they are, so a linter run stays at a constant number of queries).
    """
    if ticket_definitions is None:
        ticket_definitions = list(workflow.ticket_definitions.all()) if workflow.pk else []
    ticket_definitions = list(ticket_definitions)
    if from_task is None:
        output = None
        reason = _("a start transition runs before any task, so there is no output")
        owner = ""
    else:
        output = _infos(from_task.output_schema)
        reason = ""
        owner = from_task.title or from_task.slug
    return ConditionScope(
        output=output,
        workflow=_infos(workflow.fields),
        ticket=ticket_field_infos([t.fields for t in ticket_definitions]),
        output_owner=owner,
        ticket_owners=", ".join(f"{t.title} ({t.slug})" for t in ticket_definitions),
        no_output_reason=reason,
    )


class WorkflowConditionScopes:
    """The scopes of every transition of one workflow.

    What the scopes have in common (the workflow's fields, the fields of the ticket definitions
    using it) is worked out once; only the output form differs from one source task to the next.
    """

    def __init__(self, *, workflow, ticket_definitions: Iterable[Any]) -> None:
        self._start = scope_for(workflow=workflow, from_task=None, ticket_definitions=ticket_definitions)
        self._by_task: dict[Any, ConditionScope] = {}

    def for_task(self, from_task) -> ConditionScope:
        """The scope of a transition leaving `from_task` (`None` for a start transition)."""
        if from_task is None:
            return self._start
        scope = self._by_task.get(from_task.pk)
        if scope is None:
            scope = dataclasses.replace(
                self._start,
                output=_infos(from_task.output_schema),
                output_owner=from_task.title or from_task.slug,
                no_output_reason="",
            )
            self._by_task[from_task.pk] = scope
        return scope


# Parsing ---------------------------------------------------------------------------------

_ENVIRONMENT = celpy.Environment()


def parse_condition(condition: str) -> lark.Tree:
    """The CEL syntax tree; raises `ConditionSyntaxError` with line and column."""
    try:
        return _ENVIRONMENT.compile(condition)
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


# Checking --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Type:
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
            return f"{_literal_text(self.literal)} ({label})"
        return label


def _literal_text(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


_DYN = _Type(DYN)
_BOOL = _Type(BOOL)
_NUM = _Type(NUM)
_STR = _Type(STR)


def _children(tree: lark.Tree) -> list[Any]:
    return [c for c in tree.children if c is not None]


def _position(node: Any) -> str:
    meta = getattr(node, "meta", None)
    line = getattr(node, "line", None) or (getattr(meta, "line", None) if meta and not meta.empty else None)
    column = getattr(node, "column", None) or (getattr(meta, "column", None) if meta and not meta.empty else None)
    if line and column:
        return _(" (line %(line)d, column %(column)d)") % {"line": line, "column": column}
    return ""


class _Checker:
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

    def infer(self, node: Any) -> _Type:
        if isinstance(node, lark.Token):
            return _DYN
        handler = getattr(self, f"_{node.data}", None)
        if handler is None:
            for child in _children(node):
                self.infer(child)
            return _DYN
        return handler(node)

    # Logic -------------------------------------------------------------------------------
    def _expr(self, node: lark.Tree) -> _Type:
        children = _children(node)
        if len(children) == 1:
            return self.infer(children[0])
        condition, yes, no = (self.infer(c) for c in children)
        self._need_bool(condition, "? :")
        if yes.kind == no.kind:
            return _Type(yes.kind)
        return _DYN

    def _need_bool(self, value: _Type, operator: str) -> None:
        if value.kind not in (BOOL, DYN):
            self.error(
                _("%(operator)s needs true/false values, but %(what)s is not one.")
                % {"operator": operator, "what": value.describe()}
            )

    def _conditionalor(self, node: lark.Tree) -> _Type:
        return self._logical(node, "||")

    def _conditionaland(self, node: lark.Tree) -> _Type:
        return self._logical(node, "&&")

    def _logical(self, node: lark.Tree, operator: str) -> _Type:
        children = _children(node)
        if len(children) == 1:
            return self.infer(children[0])
        for child in children:
            self._need_bool(self.infer(child), operator)
        return _BOOL

    # Comparisons -------------------------------------------------------------------------
    def _relation(self, node: lark.Tree) -> _Type:
        children = _children(node)
        if len(children) == 1:
            return self.infer(children[0])
        operator_node, right_node = children
        left = self.infer(_children(operator_node)[0])
        right = self.infer(right_node)
        operator = operator_node.data
        if operator in ("relation_eq", "relation_ne"):
            self._compare_equal(left, right)
        elif operator == "relation_in":
            self._compare_in(left, right)
        else:
            self._compare_order(left, right, _ORDER_SYMBOLS[operator])
        return _BOOL

    def _compatible(self, left: _Type, right: _Type) -> bool:
        if DYN in (left.kind, right.kind) or NULL in (left.kind, right.kind):
            return True
        return left.kind == right.kind

    def _compare_equal(self, left: _Type, right: _Type) -> None:
        if not self._compatible(left, right):
            self.error(
                _("%(left)s is compared with %(right)s; the types do not match.")
                % {"left": left.describe(), "right": right.describe()}
            )
            return
        for field_side, value_side in ((left, right), (right, left)):
            if field_side.choices is not None and field_side.kind == STR and value_side.is_literal:
                self._need_choice(field_side, value_side.literal)

    def _need_choice(self, field_side: _Type, value: Any) -> None:
        if value not in field_side.choices:  # type: ignore[operator]
            self.error(
                _("%(value)s is not a choice of %(field)s; its choices are %(choices)s.")
                % {
                    "value": _literal_text(value),
                    "field": field_side.name,
                    "choices": ", ".join(field_side.choices or ()) or _("none"),
                }
            )

    def _compare_in(self, left: _Type, right: _Type) -> None:
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
                item_type = _literal_type(item)
                if not self._compatible(left, item_type):
                    self.error(
                        _("%(left)s is looked up in a list holding %(item)s; the types do not match.")
                        % {"left": left.describe(), "item": item_type.describe()}
                    )
                elif left.choices is not None and left.kind == STR:
                    self._need_choice(left, item)

    def _compare_order(self, left: _Type, right: _Type, symbol: str) -> None:
        for side in (left, right):
            if side.kind in (BOOL, LIST, MAP, NULL, BYTES):
                self.error(
                    _("%(what)s cannot be ordered with %(symbol)s.") % {"what": side.describe(), "symbol": symbol}
                )
                return
        if not self._compatible(left, right):
            self.error(
                _("%(left)s is compared with %(right)s; the types do not match.")
                % {"left": left.describe(), "right": right.describe()}
            )

    # Arithmetic --------------------------------------------------------------------------
    def _addition(self, node: lark.Tree) -> _Type:
        return self._arithmetic(node)

    def _multiplication(self, node: lark.Tree) -> _Type:
        return self._arithmetic(node)

    def _arithmetic(self, node: lark.Tree) -> _Type:
        children = _children(node)
        if len(children) == 1:
            return self.infer(children[0])
        operator_node, right_node = children
        left = self.infer(_children(operator_node)[0])
        right = self.infer(right_node)
        symbol = _ARITHMETIC_SYMBOLS[operator_node.data]
        allowed = {NUM, STR, LIST} if symbol == "+" else {NUM}
        for side in (left, right):
            if side.kind not in allowed | {DYN}:
                self.error(_("%(what)s cannot be used with %(symbol)s.") % {"what": side.describe(), "symbol": symbol})
                return _DYN
        if not self._compatible(left, right):
            self.error(
                _("%(left)s and %(right)s cannot be combined with %(symbol)s.")
                % {"left": left.describe(), "right": right.describe(), "symbol": symbol}
            )
            return _DYN
        kind = left.kind if left.kind != DYN else right.kind
        return _Type(kind)

    def _unary(self, node: lark.Tree) -> _Type:
        children = _children(node)
        if len(children) == 1:
            return self.infer(children[0])
        operator_node, operand_node = children
        operand = self.infer(operand_node)
        if operator_node.data == "unary_not":
            self._need_bool(operand, "!")
            return _BOOL
        if operand.kind not in (NUM, DYN):
            self.error(_("%(what)s cannot be negated with -.") % {"what": operand.describe()})
        return _NUM

    # Members and names -------------------------------------------------------------------
    def _member(self, node: lark.Tree) -> _Type:
        return self.infer(_children(node)[0])

    def _primary(self, node: lark.Tree) -> _Type:
        return self.infer(_children(node)[0])

    def _paren_expr(self, node: lark.Tree) -> _Type:
        return self.infer(_children(node)[0])

    def _root_of(self, node: Any) -> str | None:
        """`ticket`, `workflow` or `output` when `node` is just that name."""
        while isinstance(node, lark.Tree) and node.data in ("member", "primary") and len(_children(node)) == 1:
            node = _children(node)[0]
        if isinstance(node, lark.Tree) and node.data == "ident":
            name = str(_children(node)[0])
            if name in ROOTS and name not in self.bound:
                return name
        return None

    def _field(self, root: str, name: str, where: Any) -> _Type:
        known = self.scope.fields_of(root)
        full = f"{root}.{name}"
        if root == "output" and known is None:
            self.error(
                _("%(name)s cannot be used%(where)s: %(reason)s.")
                % {"name": full, "where": _position(where), "reason": self.scope.no_output_reason}
            )
            return _DYN
        if known is None:
            # No ticket definition uses the workflow yet: the linter warns about it.
            return _Type(DYN, name=full)
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
            return _DYN
        info = known[name]
        return _Type(info.kind, name=full, choices=info.choices)

    def _member_dot(self, node: lark.Tree) -> _Type:
        target, name_token = _children(node)
        root = self._root_of(target)
        if root is not None:
            return self._field(root, str(name_token), name_token)
        self.infer(target)
        return _DYN

    def _member_index(self, node: lark.Tree) -> _Type:
        target, index = _children(node)
        root = self._root_of(target)
        index_type = self.infer(index)
        if root is not None and index_type.is_literal and isinstance(index_type.literal, str):
            return self._field(root, index_type.literal, index)
        if root is None:
            self.infer(target)
        return _DYN

    def _member_dot_arg(self, node: lark.Tree) -> _Type:
        children = _children(node)
        target, method = children[0], str(children[1])
        arguments = _children(children[2]) if len(children) > 2 else []
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
                return _BOOL if method in ("exists", "all", "exists_one") else _Type(LIST)
        for argument in arguments:
            self.infer(argument)
        if method in STRING_METHODS:
            if receiver.kind not in (STR, DYN):
                self.error(
                    _("%(what)s has no %(method)s(); only text has.") % {"what": receiver.describe(), "method": method}
                )
            return _BOOL
        if method == "size":
            return _NUM
        return _DYN

    def _bare_ident(self, node: Any) -> str | None:
        while isinstance(node, lark.Tree) and len(_children(node)) == 1 and node.data != "ident":
            node = _children(node)[0]
        if isinstance(node, lark.Tree) and node.data == "ident":
            return str(_children(node)[0])
        return None

    def _ident(self, node: lark.Tree) -> _Type:
        token = _children(node)[0]
        name = str(token)
        if name in self.bound:
            return _DYN
        if name in ROOTS:
            return _Type(MAP, name=name)
        self.error(
            _("Unknown name %(name)s%(where)s: conditions use ticket.<field>, workflow.<field> and output.<field>.")
            % {"name": name, "where": _position(token)}
        )
        return _DYN

    def _ident_arg(self, node: lark.Tree) -> _Type:
        children = _children(node)
        function = str(children[0])
        arguments = _children(children[1]) if len(children) > 1 else []
        types = [self.infer(a) for a in arguments]
        if function == "has":
            return _BOOL
        if function in ("size", "int", "uint", "double"):
            return _NUM
        if function == "string":
            return _STR
        if function == "bool":
            return _BOOL
        if function == "matches":
            return _BOOL
        del types
        return _DYN

    def _dot_ident(self, node: lark.Tree) -> _Type:
        return _DYN

    def _list_lit(self, node: lark.Tree) -> _Type:
        children = _children(node)
        items = [self.infer(c) for c in (_children(children[0]) if children else [])]
        if all(item.is_literal for item in items):
            return _Type(LIST, items=tuple(item.literal for item in items))
        return _Type(LIST)

    def _map_lit(self, node: lark.Tree) -> _Type:
        for child in _children(node):
            self.infer(child)
        return _Type(MAP)

    def _literal(self, node: lark.Tree) -> _Type:
        token = _children(node)[0]
        return _literal_token_type(token)


_ORDER_SYMBOLS = {"relation_lt": "<", "relation_le": "<=", "relation_gt": ">", "relation_ge": ">="}
_ARITHMETIC_SYMBOLS = {
    "addition_add": "+",
    "addition_sub": "-",
    "multiplication_mul": "*",
    "multiplication_div": "/",
    "multiplication_mod": "%",
}


def _literal_type(value: Any) -> _Type:
    if isinstance(value, bool):
        return _Type(BOOL, literal=value, is_literal=True)
    if isinstance(value, int | float):
        return _Type(NUM, literal=value, is_literal=True)
    if isinstance(value, str):
        return _Type(STR, literal=value, is_literal=True)
    if value is None:
        return _Type(NULL, literal=None, is_literal=True)
    return _DYN


def _literal_token_type(token: lark.Token) -> _Type:
    text = str(token)
    kind = token.type
    if kind == "BOOL_LIT":
        return _literal_type(text == "true")
    if kind == "NULL_LIT":
        return _literal_type(None)
    if kind in ("INT_LIT", "UINT_LIT"):
        digits = text.rstrip("uU")
        try:
            return _literal_type(int(digits, 0) if "x" in digits.lower() else int(digits))
        except ValueError:
            return _NUM
    if kind == "FLOAT_LIT":
        return _literal_type(float(text))
    if kind in ("STRING_LIT", "MLSTRING_LIT"):
        try:
            value = python_ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return _STR
        return _literal_type(value) if isinstance(value, str) else _STR
    if kind == "BYTES_LIT":
        return _Type(BYTES)
    return _DYN


@functools.lru_cache(maxsize=2048)
def _parsed_for_checking(condition: str) -> lark.Tree | ConditionSyntaxError:
    """Parsing dominates a lint run and workflows repeat conditions; the checker only reads trees."""
    try:
        return parse_condition(condition)
    except ConditionSyntaxError as exc:
        return exc


def _check(condition: str, scope: ConditionScope) -> _Checker | ConditionSyntaxError:
    parsed = _parsed_for_checking(condition)
    if isinstance(parsed, ConditionSyntaxError):
        return parsed
    checker = _Checker(scope)
    checker.check(parsed)
    return checker


def condition_errors_in_scope(condition: str, scope: ConditionScope) -> list[str]:
    """Every problem of one condition against prepared field lists (no queries)."""
    if not condition or not condition.strip():
        return []
    checked = _check(condition, scope)
    if isinstance(checked, ConditionSyntaxError):
        return [checked.message]
    return checked.errors


class ConditionChecker:
    """`condition_errors_in_scope` for the many conditions of one lint run, checking each
    distinct condition once per distinct set of fields in scope.

    Big workflows repeat the same few conditions on tasks with the same output form, so the
    results are remembered by (condition, what the scope declares). The only part of a scope left
    out of that key is the name of the task owning the output form, which appears in one message
    alone; a result holding that message is remembered per task. The memory lives as long as the
    checker (one lint run), so every message is in the language active during that run.
    """

    def __init__(self) -> None:
        self._results: dict[tuple, tuple[tuple[str, ...], bool]] = {}
        self._naming_owner: dict[tuple, tuple[str, ...]] = {}

    def errors(self, condition: str, scope: ConditionScope) -> list[str]:
        if not condition or not condition.strip():
            return []
        key = (condition, scope.check_key)
        result = self._results.get(key)
        if result is None:
            result = self._results[key] = self._run(condition, scope)
            if result[1]:
                self._naming_owner[(*key, scope.output_owner)] = result[0]
        errors, names_owner = result
        if names_owner:
            owned_key = (*key, scope.output_owner)
            errors = self._naming_owner.get(owned_key)
            if errors is None:
                errors = self._naming_owner[owned_key] = self._run(condition, scope)[0]
        return list(errors)

    @staticmethod
    def _run(condition: str, scope: ConditionScope) -> tuple[tuple[str, ...], bool]:
        checked = _check(condition, scope)
        if isinstance(checked, ConditionSyntaxError):
            return (checked.message,), False
        return tuple(checked.errors), checked.named_output_owner


def condition_errors(condition: str, *, workflow, from_task) -> list[str]:
    """Problems of a transition's condition: syntax, unknown fields, type mismatches."""
    if not condition or not condition.strip():
        return []
    return condition_errors_in_scope(condition, scope_for(workflow=workflow, from_task=from_task))


def condition_field_references(condition: str) -> set[str]:
    """The `root.name` fields a condition reads (empty when it does not parse)."""
    return set(_field_references(condition))


@functools.lru_cache(maxsize=2048)
def _field_references(condition: str) -> frozenset[str]:
    # The linter asks this of every condition it has just checked: the parse is shared.
    tree = _parsed_for_checking(condition)
    if isinstance(tree, ConditionSyntaxError):
        return frozenset()
    found: set[str] = set()
    for node in tree.iter_subtrees():
        if node.data == "member_dot":
            target, name = _children(node)
            inner = target
            while isinstance(inner, lark.Tree) and inner.data in ("member", "primary") and len(_children(inner)) == 1:
                inner = _children(inner)[0]
            if isinstance(inner, lark.Tree) and inner.data == "ident" and str(_children(inner)[0]) in ROOTS:
                found.add(f"{_children(inner)[0]}.{name}")
    return frozenset(found)


# Evaluation ------------------------------------------------------------------------------


def _to_cel(value: Any) -> Any:
    """JSON-like data to CEL values. A whole float becomes an int: JSON does not tell 5 from 5.0."""
    if isinstance(value, bool):
        return celtypes.BoolType(value)
    if isinstance(value, int):
        return celtypes.IntType(value)
    if isinstance(value, float):
        return celtypes.IntType(int(value)) if value.is_integer() else celtypes.DoubleType(value)
    if isinstance(value, str):
        return celtypes.StringType(value)
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return celtypes.ListType([_to_cel(v) for v in value])
    if isinstance(value, dict):
        return celtypes.MapType({celtypes.StringType(str(k)): _to_cel(v) for k, v in value.items()})
    return celtypes.StringType(str(value))


def evaluate_condition(condition: str, *, ticket: Mapping[str, Any], workflow: Mapping[str, Any], output) -> bool:
    """Evaluate a condition as the runtime does.

    An empty condition is true (the default branch). A condition that cannot be evaluated on
    these values (a field without a value, a comparison CEL has no overload for) or that does
    not give true/false raises `ConditionEvaluationError`; the runtime then treats the
    transition as not taken and records the reason.
    """
    if not condition or not condition.strip():
        return True
    try:
        tree = parse_condition(condition)
    except ConditionSyntaxError as exc:
        raise ConditionEvaluationError(exc.message) from exc
    activation = {
        "ticket": _to_cel(dict(ticket or {})),
        "workflow": _to_cel(dict(workflow or {})),
        "output": _to_cel(dict(output or {})),
    }
    try:
        result = _ENVIRONMENT.program(tree).evaluate(activation)
    except celpy.CELEvalError as exc:
        raise ConditionEvaluationError(_evaluation_message(exc)) from exc
    if isinstance(result, celpy.CELEvalError):
        raise ConditionEvaluationError(_evaluation_message(result))
    if not isinstance(result, celtypes.BoolType):
        raise ConditionEvaluationError(
            _("The condition gave %(value)r instead of true or false.") % {"value": _plain(result)}
        )
    return bool(result)


def _plain(value: Any) -> Any:
    if isinstance(value, celtypes.BoolType):
        return bool(value)
    if isinstance(value, celtypes.StringType):
        return str(value)
    if isinstance(value, celtypes.IntType | celtypes.UintType):
        return int(value)
    if isinstance(value, celtypes.DoubleType):
        return float(value)
    return value


def _evaluation_message(exc: Exception) -> str:
    text = exc.args[0] if exc.args else str(exc)
    if isinstance(text, str) and text.startswith("no such member in mapping"):
        name = text.split(":", 1)[1].strip().strip("'")
        return _("No value for the field %(name)s.") % {"name": name}
    if isinstance(text, str) and "no matching overload" in text:
        return _("CEL cannot apply this operator to these values (%(detail)s).") % {"detail": text}
    return str(text)


@dataclass
class ConditionOutcome:
    """One condition tried on sample values: taken or not, and why."""

    result: bool
    reason: str = ""
    error: str = ""
    values: dict[str, Any] = field(default_factory=dict)
