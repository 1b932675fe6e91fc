"""The dry run: the path a ticket with sample values would take through a workflow.

Transitions are tried exactly as the runtime does (ascending priority, first true condition
wins, an empty condition is always true) with `cel.evaluate_condition`. Each step records
the task, every condition tried with its result and why, and the transition taken. The run
stops with a clear message when a ticket would get stuck or loop past the step limit, or when
its conditions together spend the evaluation steps one run may take
(`limits.dry_run_max_condition_steps()`; each condition also has its own limit).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils.translation import gettext as _

from workflow_design.files import limits
from workflow_design.models import TaskDefinition, WorkflowDefinition, WorkflowTransition
from workflow_design.rules.cel import (
    ConditionEvaluationError,
    ConditionStepsSpent,
    StepBudget,
    condition_field_references,
    evaluate_condition,
)
from workflow_design.rules.field_schemas import coerce_default, fields_by_name

ENDED, STUCK, LOOP, STOPPED = "ended", "stuck", "loop", "stopped"


@dataclass
class ConditionCheck:
    transition_slug: str
    target: str  # the task title, or "end"
    priority: int
    condition: str
    result: bool | None  # None: could not be evaluated (treated as not taken)
    reason: str


@dataclass
class DryRunStep:
    number: int
    task_slug: str | None  # None: the start (ticket creation)
    task_title: str
    output: dict[str, Any]
    checks: list[ConditionCheck]
    taken: str | None  # slug of the transition taken
    next_task_slug: str | None
    next_title: str


@dataclass
class DryRunResult:
    outcome: Literal["ended", "stuck", "loop", "stopped"]
    message: str
    steps: list[DryRunStep] = field(default_factory=list)

    @property
    def path(self) -> list[str]:
        """Task slugs in visiting order."""
        return [s.task_slug for s in self.steps if s.task_slug is not None]

    @property
    def ended(self) -> bool:
        return self.outcome == ENDED


def _with_defaults(fields: Any, values: dict[str, Any] | None) -> dict[str, Any]:
    """Sample values completed with the field defaults, as the runtime fills a form."""
    merged: dict[str, Any] = {}
    for name, definition in fields_by_name(fields).items():
        default = definition.get("default")
        if default not in (None, ""):
            merged[name] = coerce_default(definition, default)
    for name, value in (values or {}).items():
        if value is not None and value != "":
            merged[name] = value
    return merged


def _show(values: dict[str, Any], reference: str) -> str:
    root, _dot, name = reference.partition(".")
    source = values.get(root) or {}
    if name in source:
        # JSON spelling (true, "text") reads like the condition itself.
        return f"{reference} = {json.dumps(source[name], default=str)}"
    return _("%(reference)s has no value") % {"reference": reference}


def _try(
    transition: WorkflowTransition, target: str, values: dict[str, dict[str, Any]], budget: StepBudget
) -> ConditionCheck:
    """One transition's condition on the values; raises `ConditionStepsSpent` when the run's
    shared budget runs out (the run stops there)."""
    condition = (transition.condition or "").strip()
    if not condition:
        return ConditionCheck(transition.slug, target, transition.priority, "", True, _("no condition: the default"))
    used = ", ".join(_show(values, ref) for ref in sorted(condition_field_references(condition)))
    try:
        result = evaluate_condition(
            condition, ticket=values["ticket"], workflow=values["workflow"], output=values["output"], budget=budget
        )
    except ConditionEvaluationError as exc:
        if isinstance(exc, ConditionStepsSpent) and exc.shared:
            raise
        return ConditionCheck(
            transition.slug,
            target,
            transition.priority,
            condition,
            None,
            _("cannot be evaluated, so not taken: %(error)s") % {"error": exc},
        )
    reason = (_("true") if result else _("false")) + (f" ({used})" if used else "")
    return ConditionCheck(transition.slug, target, transition.priority, condition, result, reason)


def _unfinished_step(
    number: int, current: TaskDefinition | None, title: str, output: dict[str, Any], checks: list[ConditionCheck]
) -> DryRunStep:
    """The step the run stopped in: the conditions tried so far, no transition taken."""
    return DryRunStep(
        number=number,
        task_slug=current.slug if current else None,
        task_title=title,
        output=output,
        checks=checks,
        taken=None,
        next_task_slug=None,
        next_title="",
    )


def workflow_dry_run(
    *,
    workflow: WorkflowDefinition,
    ticket_values: dict,
    workflow_values: dict,
    outputs: dict[str, dict],
    max_steps: int = 50,
) -> DryRunResult:
    """Walk the workflow with sample values.

    `outputs` maps a task slug to the output the worker would give; a list of outputs gives
    one per visit (the last repeats), so a loop that exits on a later visit can be tried.
    """
    tasks = {t.pk: t for t in TaskDefinition.objects.filter(workflow=workflow)}
    outgoing: dict[int | None, list[WorkflowTransition]] = defaultdict(list)
    for transition in WorkflowTransition.objects.filter(workflow=workflow).order_by("priority", "id"):
        outgoing[transition.from_task_id].append(transition)
    ticket_fields: list[Any] = []
    for ticket in workflow.ticket_definitions.all():
        ticket_fields.extend(ticket.fields or [])
    ticket = _with_defaults(ticket_fields, ticket_values)
    workflow_data = _with_defaults(workflow.fields, workflow_values)
    visits: dict[str, int] = defaultdict(int)
    steps: list[DryRunStep] = []
    budget = StepBudget(limits.dry_run_max_condition_steps())
    current: TaskDefinition | None = None
    for number in range(1, max_steps + 1):
        if current is None:
            output: dict[str, Any] = {}
            title = _("Start (ticket created)")
        else:
            given = outputs.get(current.slug) or {}
            if isinstance(given, list):
                given = given[min(visits[current.slug], len(given) - 1)] if given else {}
            visits[current.slug] += 1
            output = _with_defaults(current.output_schema, given)
            title = current.title
        values = {"ticket": ticket, "workflow": workflow_data, "output": output}
        checks: list[ConditionCheck] = []
        chosen: WorkflowTransition | None = None
        for transition in outgoing.get(current.pk if current else None, []):
            target = tasks[transition.to_task_id].title if transition.to_task_id else _("end")
            try:
                check = _try(transition, target, values, budget)
            except ConditionStepsSpent:
                steps.append(_unfinished_step(number, current, title, output, checks))
                message = _(
                    "The dry run stopped at step %(step)d: the conditions it tried took more than %(n)d evaluation "
                    "steps together, the limit of one dry run."
                ) % {"step": number, "n": budget.limit}
                return DryRunResult(STOPPED, message, steps)
            checks.append(check)
            if check.result:
                chosen = transition
                break
        next_task = tasks.get(chosen.to_task_id) if chosen and chosen.to_task_id else None
        steps.append(
            DryRunStep(
                number=number,
                task_slug=current.slug if current else None,
                task_title=title,
                output=output,
                checks=checks,
                taken=chosen.slug if chosen else None,
                next_task_slug=next_task.slug if next_task else None,
                next_title=next_task.title if next_task else (_("end") if chosen else ""),
            )
        )
        if chosen is None:
            where = _("the task %(task)s") % {"task": current.title} if current else _("the start")
            if not checks:
                message = _("A ticket would get stuck at %(where)s: there is no outgoing transition.") % {
                    "where": where
                }
            else:
                message = _(
                    "A ticket would get stuck at %(where)s: none of its %(count)d conditions is true and there "
                    "is no default transition."
                ) % {"where": where, "count": len(checks)}
            return DryRunResult(STUCK, message, steps)
        if next_task is None:
            return DryRunResult(
                ENDED,
                _("The ticket reaches the end after %(count)d tasks.") % {"count": len(steps) - 1},
                steps,
            )
        current = next_task
    repeated = [slug for slug, count in visits.items() if count > 1]
    return DryRunResult(
        LOOP,
        _(
            "Stopped after %(max)d steps: the ticket keeps looping (through %(tasks)s) and never reaches an end "
            "with these sample values."
        )
        % {"max": max_steps, "tasks": ", ".join(repeated) or _("the same tasks")},
        steps,
    )


__all__ = ["DryRunResult", "DryRunStep", "ConditionCheck", "workflow_dry_run"]
