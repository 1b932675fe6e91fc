"""Evaluating a condition on a ticket's values, as the runtime does (the dry run calls it too)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import celpy
import lark
from celpy import celtypes
from celpy.evaluation import Evaluator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflow_design.files import limits
from workflow_design.rules.cel.syntax import ENVIRONMENT, ConditionSyntaxError, parsed_for_checking


class ConditionEvaluationError(ValueError):
    """A condition could not be evaluated on these values (missing field, no such overload...)."""


class ConditionStepsSpent(ConditionEvaluationError):
    """The evaluation was stopped at its step budget; `shared` when a run's shared budget ran out
    (a dry run then stops) rather than the condition's own."""

    def __init__(self, message: str, *, shared: bool) -> None:
        super().__init__(message)
        self.shared = shared


class StepBudget:
    """Evaluation steps left to the conditions of one run: a dry run's conditions share one."""

    def __init__(self, steps: int) -> None:
        self.limit = steps
        self.left = steps


class _OutOfSteps(Exception):
    """Raised inside cel-python's walk; not one of the errors it turns into values or catches."""


class _StepMeter:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def spend(self, steps: int) -> None:
        self.used += steps
        if self.used > self.limit:
            raise _OutOfSteps


class _MeteredEvaluator(Evaluator):
    """cel-python's evaluator, counting each tree node it visits (comprehension bodies included,
    once per item) against a step meter, as `cost.condition_cost` counts them at save time."""

    def __init__(self, ast: lark.Tree, activation: Any, meter: _StepMeter) -> None:
        super().__init__(ast, activation)
        self.meter = meter

    def sub_evaluator(self, ast: lark.Tree) -> Evaluator:
        return _MeteredEvaluator(ast, self.activation, self.meter)

    def visit(self, tree: lark.Tree) -> Any:
        self.meter.spend(1)
        return super().visit(tree)

    def visit_children(self, tree: lark.Tree) -> list[Any]:
        self.meter.spend(sum(1 for child in tree.children if isinstance(child, lark.Tree)))
        return super().visit_children(tree)


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


def evaluate_condition(
    condition: str,
    *,
    ticket: Mapping[str, Any],
    workflow: Mapping[str, Any],
    output,
    budget: StepBudget | None = None,
) -> bool:
    """Evaluate a condition as the runtime does.

    An empty condition is true (the default branch). A condition that cannot be evaluated on
    these values (a field without a value, a comparison CEL has no overload for) or that does
    not give true/false raises `ConditionEvaluationError`; the runtime then treats the
    transition as not taken and records the reason.

    The evaluation stops after `limits.condition_max_steps()` steps, or when `budget` (shared
    by the conditions of one run) runs out, with `ConditionStepsSpent`. A condition the checker
    accepted stays within its own limit on the values its forms allow.
    """
    if not condition or not condition.strip():
        return True
    # The parse the check and the field lookups share: a dry run evaluates the same conditions
    # again and again, and parsing costs more than evaluating.
    tree = parsed_for_checking(condition)
    if isinstance(tree, ConditionSyntaxError):
        raise ConditionEvaluationError(tree.message)
    activation = {
        "ticket": _to_cel(dict(ticket or {})),
        "workflow": _to_cel(dict(workflow or {})),
        "output": _to_cel(dict(output or {})),
    }
    own_limit = limits.condition_max_steps()
    meter = _StepMeter(own_limit if budget is None else min(own_limit, budget.left))
    runner = celpy.InterpretedRunner(ENVIRONMENT, tree)
    try:
        result = _MeteredEvaluator(tree, runner.new_activation(), meter).evaluate(activation)
    except celpy.CELEvalError as exc:
        raise ConditionEvaluationError(_evaluation_message(exc)) from exc
    except _OutOfSteps:
        raise _steps_spent(own_limit, budget) from None
    finally:
        if budget is not None:
            budget.left = max(budget.left - meter.used, 0)
    if isinstance(result, celpy.CELEvalError):
        raise ConditionEvaluationError(_evaluation_message(result))
    if not isinstance(result, celtypes.BoolType):
        raise ConditionEvaluationError(
            _("The condition gave %(value)r instead of true or false.") % {"value": _plain(result)}
        )
    return bool(result)


def _steps_spent(own_limit: int, budget: StepBudget | None) -> ConditionStepsSpent:
    if budget is not None and budget.left < own_limit:
        return ConditionStepsSpent(
            _(
                "The conditions tried in this run took more than %(n)d evaluation steps together, the limit "
                "of one run; the evaluation was stopped."
            )
            % {"n": budget.limit},
            shared=True,
        )
    return ConditionStepsSpent(
        _("The condition took more than %(n)d evaluation steps, the limit of one condition; it was stopped.")
        % {"n": own_limit},
        shared=False,
    )


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


# celpy names operators by grammar rule and values by Python class; a creator reads CEL.
_CEL_OPERATORS = {
    "relation_gt": ">",
    "relation_ge": ">=",
    "relation_lt": "<",
    "relation_le": "<=",
    "relation_eq": "==",
    "relation_ne": "!=",
    "relation_in": "in",
    "addition_add": "+",
    "addition_sub": "-",
    "multiplication_mul": "*",
    "multiplication_div": "/",
    "multiplication_mod": "%",
    "unary_neg": "-",
    "unary_not": "!",
    "_?_:_": "? :",
}
_CEL_TYPE_NAMES = {
    "IntType": "int",
    "UintType": "uint",
    "DoubleType": "double",
    "StringType": "string",
    "BoolType": "bool",
    "ListType": "list",
    "MapType": "map",
    "BytesType": "bytes",
    "TimestampType": "timestamp",
    "DurationType": "duration",
    "NoneType": "null",
}
# celpy's own short texts, in a creator's words.
_CEL_PLAIN_WORDS = {
    "return error for overflow": gettext_lazy("A value is out of range or cannot be converted."),
    "invalid_argument": gettext_lazy("An index or a value is out of range."),
    "no such key": gettext_lazy("A key the condition looks up is missing."),
    "modulus or divide by zero": gettext_lazy("Division by zero."),
    "no such overload": gettext_lazy("A function is applied to a value of the wrong type."),
}
_OVERLOAD = re.compile(r"no matching overload for (?:Token\('RULE', '(?P<rule>\w+)'\)|(?P<name>\S+)) applied to")
_PYTHON_CLASS = re.compile(r"<class '(?:[\w]+\.)*(\w+)'>")


def _cel_type_names(text: str) -> list[str]:
    return [_CEL_TYPE_NAMES.get(name, name) for name in _PYTHON_CLASS.findall(text)]


def _evaluation_message(exc: Exception) -> str:
    text = exc.args[0] if exc.args else str(exc)
    if not isinstance(text, str):
        text = str(text)
    if text.startswith("no such member in mapping"):
        name = text.split(":", 1)[1].strip().strip("'")
        return _("No value for the field %(name)s.") % {"name": name}
    overload = _OVERLOAD.search(text)
    if overload:
        spelled = overload["rule"] or overload["name"]
        operator = _CEL_OPERATORS.get(spelled, spelled)
        return _("CEL cannot apply %(operator)s to values of types %(types)s.") % {
            "operator": operator,
            "types": ", ".join(_cel_type_names(text)) or _("these"),
        }
    if "does not support field selection" in text:
        return _("A value of type %(type)s has no fields to select.") % {"type": (_cel_type_names(text) or ["?"])[0]}
    plain = _CEL_PLAIN_WORDS.get(text.strip())
    if plain is not None:
        return str(plain)
    # Anything else celpy says, without the Python class names it may carry.
    return _PYTHON_CLASS.sub(lambda match: _CEL_TYPE_NAMES.get(match[1], match[1]), text).replace("CELEvalError", "")


@dataclass
class ConditionOutcome:
    """One condition tried on sample values: taken or not, and why."""

    result: bool
    reason: str = ""
    error: str = ""
    values: dict[str, Any] = field(default_factory=dict)
