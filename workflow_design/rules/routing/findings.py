"""The routing analysis as linter findings: a stable code, the object at fault, a counterexample ticket.

The linter calls `routing_findings` with the rows it has read (no queries here) and adds what it
returns. A counterexample names the task whose output it gives, the ticket, workflow and output
values, the fields left without a value, and the same values under the dry-run form's field names
(`ticket__<name>`, `workflow__<name>`, `output__<task id>__<name>`) for the link that opens the
dry run with them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from workflow_design.rules.routing.runner import analyse_workflow

ERROR, WARNING = "error", "warning"

# Codes are part of the API: clients and imports match on them.
UNCOVERED_VALUES = "uncovered-values"
NEVER_TRUE = "never-true"
DEAD_TRANSITION = "dead-transition"
NO_EXIT = "no-exit"
UNSET_FIELD = "unset-field"
NOT_ANALYSED = "not-analysed"
ROUTING_UNFINISHED = "routing-unfinished"
ROUTING_CODES = (UNCOVERED_VALUES, NEVER_TRUE, DEAD_TRANSITION, NO_EXIT, UNSET_FIELD, NOT_ANALYSED, ROUTING_UNFINISHED)


@dataclass
class RoutingFinding:
    level: str
    code: str
    message: str
    holder: Any  # the linter's task or transition row, or the workflow
    counterexample: dict[str, Any] | None = None


@dataclass
class RoutingResult:
    findings: list[RoutingFinding]
    proven_sources: set[int | None]  # sources whose coverage was decided (covered or not)


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def values_text(counterexample: Mapping[str, Any]) -> str:
    """`output.approved = false, ticket.amount has no value`: the ticket in a message."""
    parts = [
        f"{root}.{name} = {_shown(value)}"
        for root in ("ticket", "workflow", "output")
        for name, value in counterexample.get(root, {}).items()
    ]
    parts += [_("%(field)s has no value") % {"field": reference} for reference in counterexample.get("unset", [])]
    return ", ".join(parts) or _("any values")


def with_dry_run_values(found: dict[str, Any], task: Any) -> dict[str, Any]:
    form_values = {f"ticket__{n}": v for n, v in found["ticket"].items()}
    form_values.update({f"workflow__{n}": v for n, v in found["workflow"].items()})
    if task is not None:
        form_values.update({f"output__{task.pk}__{n}": v for n, v in found["output"].items()})
    return {"task": task.slug if task is not None else None, **found, "dry_run_values": form_values}


def routing_findings(
    *,
    workflow: Any,
    tasks: Mapping[int, Any],
    outgoing: Mapping[int | None, list[Any]],
    ticket_field_lists: list[Any],
    condition_error_ids: Iterable[int],
    task_name: Callable[[Any], str],
    transition_name: Callable[[Any], str],
) -> RoutingResult:
    analysis = analyse_workflow(
        outgoing=outgoing,
        output_schemas={pk: task.output_schema for pk, task in tasks.items()},
        workflow_fields=workflow.fields,
        ticket_field_lists=ticket_field_lists,
        condition_error_ids=condition_error_ids,
    )
    findings: list[RoutingFinding] = []
    proven: set[int | None] = set()
    the_start = _("the start")

    def where(source: int | None) -> str:
        return _("the task %(task)s") % {"task": task_name(tasks[source])} if source is not None else the_start

    for source in analysis.unfinished:
        findings.append(
            RoutingFinding(
                WARNING,
                ROUTING_UNFINISHED,
                _(
                    "The routing analysis of %(where)s did not finish within its time limit, so its "
                    "conditions are not proven; check them with the dry run."
                )
                % {"where": where(source)},
                tasks[source] if source is not None else workflow,
            )
        )
    for source, verdict in analysis.verdicts.items():
        task = tasks.get(source) if source is not None else None
        transitions = outgoing[source]
        for transition, item in zip(transitions, verdict.transitions, strict=True):
            if item.not_analysed:
                findings.append(
                    RoutingFinding(
                        WARNING,
                        NOT_ANALYSED,
                        _(
                            "The condition of the transition %(transition)s is not analysed in full: %(what)s "
                            "is outside what the routing analysis understands, so what depends on it is not proven."
                        )
                        % {"transition": transition_name(transition), "what": ", ".join(item.not_analysed)},
                        transition,
                    )
                )
            if item.never_true:
                findings.append(
                    RoutingFinding(
                        ERROR,
                        NEVER_TRUE,
                        _(
                            "The condition of the transition %(transition)s can never be true for values the "
                            "fields allow, so the transition is never taken."
                        )
                        % {"transition": transition_name(transition)},
                        transition,
                    )
                )
            elif item.counterexample is not None and _reported(item, transitions, transition):
                findings.append(_dead(item, transitions, transition, transition_name, task))
            if item.unset_counterexample is not None:
                findings.append(
                    RoutingFinding(
                        WARNING,
                        UNSET_FIELD,
                        _(
                            "The condition of the transition %(transition)s reads %(fields)s, which may have no "
                            "value, without has(): for a ticket with %(values)s it cannot be evaluated and the "
                            "transition is not taken. Guard it with has()."
                        )
                        % {
                            "transition": transition_name(transition),
                            "fields": ", ".join(item.unset_fields),
                            "values": values_text(item.unset_counterexample),
                        },
                        transition,
                        with_dry_run_values(item.unset_counterexample, task),
                    )
                )
        if verdict.covered or verdict.uncovered is not None:
            proven.add(source)
        if verdict.uncovered is not None:
            findings.append(
                RoutingFinding(
                    ERROR,
                    UNCOVERED_VALUES,
                    _(
                        "No transition leaving %(where)s is taken for a ticket with %(values)s, and there is no "
                        "default: such a ticket would be stranded there. Cover these values or add a default."
                    )
                    % {"where": where(source), "values": values_text(verdict.uncovered)},
                    task if task is not None else workflow,
                    with_dry_run_values(verdict.uncovered, task),
                )
            )
    for group in analysis.no_exit:
        exits = _exits(group, outgoing, transition_name)
        findings.append(
            RoutingFinding(
                ERROR,
                NO_EXIT,
                _(
                    "The tasks %(tasks)s form a loop no ticket can leave: none of the transitions leading out of "
                    "it (%(exits)s) can ever be taken, so every ticket entering it loops forever."
                )
                % {"tasks": ", ".join(task_name(tasks[pk]) for pk in group), "exits": ", ".join(exits)},
                tasks[group[0]],
            )
        )
    for group, example in analysis.ticket_bound_loops:
        findings.append(
            RoutingFinding(
                ERROR,
                NO_EXIT,
                _(
                    "A ticket with %(values)s that enters the tasks %(tasks)s never leaves them: whatever the "
                    "workers answer, none of the transitions leading out (%(exits)s) is taken for it."
                )
                % {
                    "values": values_text(example),
                    "tasks": ", ".join(task_name(tasks[pk]) for pk in group),
                    "exits": ", ".join(_exits(group, outgoing, transition_name)),
                },
                tasks[group[0]],
                with_dry_run_values(example, None),
            )
        )
    return RoutingResult(findings, proven)


def _exits(group: list[int], outgoing, transition_name) -> list[str]:
    return [
        transition_name(t)
        for source in group
        for t in outgoing.get(source, [])
        if t.to_task_id is None or t.to_task_id not in group
    ]


def _reported(item, transitions, transition) -> bool:
    """A dead transition worth a finding: not one behind a default (the branch checks report that:
    default not last, several defaults), and not a default itself, which after conditions covering
    every value is a safety net that harms no ticket."""
    if not (transition.condition or "").strip():
        return False
    return item.dead_by is None or bool((transitions[item.dead_by].condition or "").strip())


def _dead(item, transitions, transition, transition_name, task) -> RoutingFinding:
    earlier = transitions[item.dead_by] if item.dead_by is not None else None
    return RoutingFinding(
        ERROR,
        DEAD_TRANSITION,
        _(
            "The transition %(transition)s is never taken: whenever its condition is true an earlier one "
            "(a lower priority number) is taken first, e.g. a ticket with %(values)s takes %(earlier)s."
        )
        % {
            "transition": transition_name(transition),
            "earlier": transition_name(earlier) if earlier is not None else _("an earlier transition"),
            "values": values_text(item.counterexample),
        },
        transition,
        with_dry_run_values(item.counterexample, task),
    )
