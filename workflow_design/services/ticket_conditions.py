"""A ticket definition must not break the conditions of the workflow it runs through.

A condition may read `ticket.<field>` when every ticket definition of its workflow has that
field (`rules.cel.scope`). Adding a ticket definition, changing its fields or moving it to
another workflow can thus make conditions that were valid invalid, and the designer would then
refuse every save of that workflow. The ticket definition's save is refused instead, at its
field list, naming the workflow and the transitions it would break.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from workflow_design.models import TicketDefinition, WorkflowTransition
from workflow_design.rules.cel.checking import ConditionChecker
from workflow_design.rules.cel.scope import WorkflowConditionScopes

# Transitions named in one refusal; the rest are counted.
NAMED_TRANSITIONS = 5


def conditions_broken_by(tickets: Sequence[TicketDefinition]) -> dict[int, ValidationError]:
    """For each ticket definition (by index) that would make valid conditions of its workflow
    invalid, the refusal at its `fields`. Two queries per workflow concerned."""
    refusals: dict[int, ValidationError] = {}
    for workflow_pk in {ticket.workflow_id for ticket in tickets if ticket.workflow_id is not None}:
        mine = [(index, ticket) for index, ticket in enumerate(tickets) if ticket.workflow_id == workflow_pk]
        workflow = mine[0][1].workflow
        transitions = list(
            WorkflowTransition.objects.filter(workflow_id=workflow_pk)
            .exclude(condition="")
            .select_related("from_task", "to_task")
            .order_by("from_position", "priority", "pk")
        )
        if not transitions:
            continue
        stored = list(TicketDefinition.objects.filter(workflow_id=workflow_pk))
        checker = ConditionChecker()
        before = WorkflowConditionScopes(workflow=workflow, ticket_definitions=stored)
        for index, ticket in mine:
            others = [row for row in stored if row.pk != ticket.pk]
            after = WorkflowConditionScopes(workflow=workflow, ticket_definitions=[*others, ticket])
            broken = [
                (transition, errors)
                for transition in transitions
                if (errors := checker.errors(transition.condition, after.for_task(transition.from_task)))
                and not checker.errors(transition.condition, before.for_task(transition.from_task))
            ]
            if broken:
                refusals[index] = ValidationError({"fields": [_refusal(workflow, broken)]}, code="breaks_conditions")
    return refusals


def _refusal(workflow, broken: list[tuple[WorkflowTransition, list[str]]]) -> str:
    named = "; ".join(f"{transition} ({errors[0]})" for transition, errors in broken[:NAMED_TRANSITIONS])
    more = len(broken) - NAMED_TRANSITIONS
    if more > 0:
        named += " " + ngettext("and %(count)d more", "and %(count)d more", more) % {"count": more}
    return _(
        "These fields would make conditions of the workflow %(workflow)s invalid: %(transitions)s. "
        "Give this ticket definition the fields those conditions read, or change the conditions first."
    ) % {"workflow": f"{workflow.title} ({workflow.slug})", "transitions": named}
