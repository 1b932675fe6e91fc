"""The dry run: the path a ticket with sample values would take through a workflow.

Transitions are tried exactly as the runtime does (ascending priority, first true condition
wins, an empty condition is always true) with `cel.evaluate_condition`. Each step records
the task, every condition tried with its result and why, and the transition taken. The run
stops with a clear message when a ticket would get stuck or loop past the step limit.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflow_design.models import TaskDefinition, WorkflowDefinition, WorkflowTransition
from workflow_design.rules.cel import ConditionEvaluationError, condition_field_references, evaluate_condition
from workflow_design.rules.field_schemas import (
    BOOLEAN,
    CHOICE,
    DATE,
    DATETIME,
    EMAIL,
    INTEGER,
    LONG_TEXT,
    MULTIPLE_CHOICE,
    NUMBER,
    coerce_default,
    fields_by_name,
)

ENDED, STUCK, LOOP = "ended", "stuck", "loop"


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
    outcome: Literal["ended", "stuck", "loop"]
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


def _try(transition: WorkflowTransition, target: str, values: dict[str, dict[str, Any]]) -> ConditionCheck:
    condition = (transition.condition or "").strip()
    if not condition:
        return ConditionCheck(transition.slug, target, transition.priority, "", True, _("no condition: the default"))
    used = ", ".join(_show(values, ref) for ref in sorted(condition_field_references(condition)))
    try:
        result = evaluate_condition(
            condition, ticket=values["ticket"], workflow=values["workflow"], output=values["output"]
        )
    except ConditionEvaluationError as exc:
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
            check = _try(transition, target, values)
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


# The sample-values form ----------------------------------------------------------------------


def form_field_for(definition: dict[str, Any]) -> forms.Field:
    """A form field for one field definition; every field is optional so missing values can be tried."""
    field_type = definition.get("type")
    label = definition.get("label") or definition.get("name")
    common: dict[str, Any] = {"label": label, "required": False, "help_text": definition.get("help_text", "")}
    default = definition.get("default")
    if default not in (None, ""):
        common["initial"] = coerce_default(definition, default)
    choices = [
        (c.get("value"), c.get("label") or c.get("value")) if isinstance(c, dict) else (c, c)
        for c in definition.get("choices") or []
    ]
    if field_type == BOOLEAN:
        return forms.NullBooleanField(**common)
    if field_type == INTEGER:
        return forms.IntegerField(**common)
    if field_type == NUMBER:
        return forms.FloatField(**common)
    if field_type == DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if field_type == DATETIME:
        return forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), **common)
    if field_type == EMAIL:
        return forms.EmailField(**common)
    if field_type == CHOICE:
        return forms.ChoiceField(choices=[("", "---------"), *choices], **common)
    if field_type == MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
    if field_type == LONG_TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), **common)
    return forms.CharField(**common)


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


class DryRunForm(forms.Form):
    """Sample values for the ticket, the workflow and every task's output, built from the field lists.

    Field names are `ticket__<name>`, `workflow__<name>` and `output__<task id>__<name>`.
    """

    max_steps = forms.IntegerField(label=gettext_lazy("Step limit"), min_value=1, max_value=500, initial=50)

    def __init__(self, *args: Any, workflow: WorkflowDefinition, tasks: list[TaskDefinition], tickets: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.workflow = workflow
        self.tasks = tasks
        self.groups: list[tuple[str, list[str]]] = []
        seen: set[str] = set()
        ticket_names: list[str] = []
        for ticket in tickets:
            for definition in ticket.fields or []:
                name = definition.get("name")
                if isinstance(name, str) and name not in seen:
                    seen.add(name)
                    self.fields[f"ticket__{name}"] = form_field_for(definition)
                    ticket_names.append(f"ticket__{name}")
        self.groups.append((_("Ticket"), ticket_names))
        workflow_names = []
        for name, definition in fields_by_name(workflow.fields).items():
            self.fields[f"workflow__{name}"] = form_field_for(definition)
            workflow_names.append(f"workflow__{name}")
        self.groups.append((_("Workflow"), workflow_names))
        for task in tasks:
            names = []
            for name, definition in fields_by_name(task.output_schema).items():
                # The task id, not its slug: slugs and field names may both contain "__".
                key = f"output__{task.pk}__{name}"
                self.fields[key] = form_field_for(definition)
                names.append(key)
            if names:
                self.groups.append((_("Output of %(task)s") % {"task": task.title}, names))

    def grouped(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in self.groups if names]

    def sample_values(self) -> dict[str, Any]:
        """Keyword arguments for `workflow_dry_run` from the cleaned data."""
        ticket: dict[str, Any] = {}
        workflow: dict[str, Any] = {}
        outputs: dict[str, dict[str, Any]] = defaultdict(dict)
        slugs = {task.pk: task.slug for task in self.tasks}
        for key, value in self.cleaned_data.items():
            if value is None or value == "" or value == []:
                continue
            value = _plain(value)
            if key.startswith("ticket__"):
                ticket[key[len("ticket__") :]] = value
            elif key.startswith("workflow__"):
                workflow[key[len("workflow__") :]] = value
            elif key.startswith("output__"):
                task_id, _sep, name = key[len("output__") :].partition("__")
                outputs[slugs[int(task_id)]][name] = value
        return {
            "ticket_values": ticket,
            "workflow_values": workflow,
            "outputs": dict(outputs),
            "max_steps": self.cleaned_data.get("max_steps") or 50,
        }


__all__ = ["DryRunForm", "DryRunResult", "DryRunStep", "ConditionCheck", "workflow_dry_run"]
