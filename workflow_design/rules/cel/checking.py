"""Checking conditions against the fields in scope: the entry points the models and the linter call."""

from __future__ import annotations

from workflow_design.rules.cel.checker import TreeChecker
from workflow_design.rules.cel.cost import cost_errors
from workflow_design.rules.cel.scope import ConditionScope, scope_for
from workflow_design.rules.cel.syntax import ConditionSyntaxError, parsed_for_checking


def _check(condition: str, scope: ConditionScope) -> TreeChecker | ConditionSyntaxError:
    parsed = parsed_for_checking(condition)
    if isinstance(parsed, ConditionSyntaxError):
        return parsed
    checker = TreeChecker(scope)
    checker.check(parsed)
    # The cost is proved here, at save time: on values its forms allow, a saved condition stays
    # within the budget the evaluator enforces.
    for message in cost_errors(parsed, scope):
        checker.error(message)
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
