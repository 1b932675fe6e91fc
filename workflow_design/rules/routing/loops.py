"""Loops whose way out depends on ticket or workflow values that stay the same on every visit.

A loop may have exits that can be taken by some tickets and yet never by a ticket with certain
values: `review → review` while `ticket.amount > 100`, `review → end` when `ticket.amount <= 100`
strands every ticket above 100, whatever the workers answer. Ticket and workflow values do not
change between visits; task outputs do. So a ticket is caught when

    exists ticket/workflow values:
        some transition into the loop is taken for them (for some output of its source), and
        for every task of the loop, for every output it can give, no exit is taken.

That is one quantified question per loop, asked only of loops whose exits read ticket or
workflow fields (otherwise the per-transition checks have decided already).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import z3
from z3.z3util import get_vars

from workflow_design.rules.cel.syntax import ConditionSyntaxError, parsed_for_checking
from workflow_design.rules.routing.checks import TaskRouting, Unfinished, _Solving


def _taken(routing: TaskRouting, solving: _Solving) -> list[Any] | None:
    """For each transition of a task, "it is taken"; None when a condition is not fully analysed."""
    translator = solving.translator
    taken, not_earlier = [], []
    for condition, has_errors in routing.conditions:
        if not condition:
            truth = z3.BoolVal(True)
        else:
            tree = parsed_for_checking(condition)
            if has_errors or isinstance(tree, ConditionSyntaxError):
                return None
            translated = translator.condition(tree)
            if translator.partial:
                return None
            truth = translated.true
        taken.append(z3.And(*not_earlier, truth) if not_earlier else truth)
        not_earlier.append(z3.Not(truth))
    return taken


def _split(solving: _Solving) -> tuple[list, list]:
    """The output fields' constraints and the ticket/workflow fields' constraints."""
    output_domain, shared_domain = [], []
    for reference, variable in solving.translator.touched.items():
        if reference.startswith("output."):
            output_domain += variable.constraints
        else:
            shared_domain += variable.constraints
    return output_domain, shared_domain


def _output_constants(formulas: list) -> list:
    found: dict[str, Any] = {}
    for formula in formulas:
        for constant in get_vars(formula):
            if str(constant).startswith("output."):
                found[str(constant)] = constant
    return list(found.values())


def ticket_bound_loop(
    group: list[int],
    outgoing: Mapping[int | None, list[Any]],
    routings: Mapping[int | None, TaskRouting],
    deadline: float,
) -> dict[str, Any] | None:
    """Ticket and workflow values that enter the loop `group` and never leave it, if there are any.

    Raises `Unfinished` when the time runs out; returns None when the question cannot be put
    (a condition not fully analysed) or has no answer.
    """
    members = set(group)
    stays: list[Any] = []
    shared: list[Any] = []
    question = _Solving(routings[group[0]], deadline)
    for source in group:
        solving = _Solving(routings[source], deadline)
        taken = _taken(routings[source], solving)
        if taken is None:
            return None
        exits = [t for t, tr in zip(taken, outgoing[source], strict=True) if tr.to_task_id not in members]
        output_domain, shared_domain = _split(solving)
        shared += shared_domain
        body = z3.Implies(z3.And(*output_domain), z3.Not(z3.Or(*exits))) if exits else z3.BoolVal(True)
        constants = _output_constants([body])
        stays.append(z3.ForAll(constants, body) if constants else body)
        question.translator.touched.update(solving.translator.touched)
    entries = []
    for source, transitions in outgoing.items():
        if source in members:
            continue
        into = [i for i, tr in enumerate(transitions) if tr.to_task_id in members]
        if not into:
            continue
        solving = _Solving(routings[source], deadline)
        taken = _taken(routings[source], solving)
        if taken is None:
            return None
        output_domain, shared_domain = _split(solving)
        shared += shared_domain
        entries.append(z3.And(*output_domain, z3.Or(*(taken[i] for i in into))))
        question.translator.touched.update(
            {r: v for r, v in solving.translator.touched.items() if not r.startswith("output.")}
        )
    if not entries:
        return None
    question.translator.touched = {r: v for r, v in question.translator.touched.items() if not r.startswith("output.")}
    try:
        model = question.satisfiable(*shared, *stays, z3.Or(*entries))
    except Unfinished:
        return None
    if model is None:
        return None
    found = question.counterexample(model)
    return {**found, "output": {}}


def reads_ticket_or_workflow(routing: TaskRouting) -> bool:
    return any("ticket." in condition or "workflow." in condition for condition, _errors in routing.conditions)
