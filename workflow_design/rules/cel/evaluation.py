"""Evaluating a condition on a ticket's values, as the runtime does (the dry run calls it too)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import celpy
from celpy import celtypes
from django.utils.translation import gettext as _

from workflow_design.rules.cel.syntax import ENVIRONMENT, ConditionSyntaxError, parse_condition


class ConditionEvaluationError(ValueError):
    """A condition could not be evaluated on these values (missing field, no such overload...)."""


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
        result = ENVIRONMENT.program(tree).evaluate(activation)
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
