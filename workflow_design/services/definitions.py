"""The operations by model: what the adapters call. Each is the batch engine with its model named;
a single-row operation is a batch of one that raises its row's error as a plain ValidationError."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition
from workflow_design.services.create import definitions_create
from workflow_design.services.delete import definitions_delete
from workflow_design.services.rows import RowErrors
from workflow_design.services.update import definitions_update


def _one(call, **kwargs):
    try:
        return call(**kwargs)
    except RowErrors as exc:
        raise exc.single() from None


# Workflows ----------------------------------------------------------------------------------


def workflow_create(*, user, company, **data: Any) -> WorkflowDefinition:
    return _one(definitions_create, user=user, model=WorkflowDefinition, rows=[data], company=company)[0]


def workflow_update(
    *, workflow: WorkflowDefinition, user, expected_revision: int | None = None, **data: Any
) -> WorkflowDefinition:
    """Change a draft workflow; `expected_revision` refuses the save if someone else saved first."""
    return _one(
        definitions_update,
        user=user,
        model=WorkflowDefinition,
        changes=[(workflow, data)],
        expected_revision=expected_revision,
    )[0]


def workflow_delete(*, workflow: WorkflowDefinition, user, expected_revision: int | None = None) -> None:
    _one(
        definitions_delete, user=user, model=WorkflowDefinition, objects=[workflow], expected_revision=expected_revision
    )


# Tasks --------------------------------------------------------------------------------------


def task_create(
    *, user, workflow: WorkflowDefinition, expected_revision: int | None = None, **data: Any
) -> TaskDefinition:
    return _one(
        definitions_create,
        user=user,
        model=TaskDefinition,
        rows=[data],
        workflow=workflow,
        expected_revision=expected_revision,
    )[0]


def task_update(*, task: TaskDefinition, user, expected_revision: int | None = None, **data: Any) -> TaskDefinition:
    return _one(
        definitions_update, user=user, model=TaskDefinition, changes=[(task, data)], expected_revision=expected_revision
    )[0]


def task_delete(*, task: TaskDefinition, user, expected_revision: int | None = None) -> None:
    _one(definitions_delete, user=user, model=TaskDefinition, objects=[task], expected_revision=expected_revision)


def tasks_create_many(
    *, user, rows: Sequence[dict[str, Any]], workflow: WorkflowDefinition | None = None
) -> list[TaskDefinition]:
    return definitions_create(user=user, model=TaskDefinition, rows=rows, workflow=workflow)


def tasks_update_many(*, user, changes: Sequence[tuple[TaskDefinition, dict[str, Any]]]) -> list[TaskDefinition]:
    return definitions_update(user=user, model=TaskDefinition, changes=changes)


# Transitions --------------------------------------------------------------------------------


def transition_create(
    *, user, workflow: WorkflowDefinition, expected_revision: int | None = None, **data: Any
) -> WorkflowTransition:
    return _one(
        definitions_create,
        user=user,
        model=WorkflowTransition,
        rows=[data],
        workflow=workflow,
        expected_revision=expected_revision,
    )[0]


def transition_update(
    *, transition: WorkflowTransition, user, expected_revision: int | None = None, **data: Any
) -> WorkflowTransition:
    return _one(
        definitions_update,
        user=user,
        model=WorkflowTransition,
        changes=[(transition, data)],
        expected_revision=expected_revision,
    )[0]


def transition_delete(*, transition: WorkflowTransition, user, expected_revision: int | None = None) -> None:
    _one(
        definitions_delete,
        user=user,
        model=WorkflowTransition,
        objects=[transition],
        expected_revision=expected_revision,
    )


def transitions_create_many(
    *, user, rows: Sequence[dict[str, Any]], workflow: WorkflowDefinition | None = None
) -> list[WorkflowTransition]:
    return definitions_create(user=user, model=WorkflowTransition, rows=rows, workflow=workflow)


def transitions_update_many(
    *, user, changes: Sequence[tuple[WorkflowTransition, dict[str, Any]]]
) -> list[WorkflowTransition]:
    return definitions_update(user=user, model=WorkflowTransition, changes=changes)


# Ticket definitions -------------------------------------------------------------------------


def ticket_create(*, user, company, **data: Any) -> TicketDefinition:
    return _one(definitions_create, user=user, model=TicketDefinition, rows=[data], company=company)[0]


def ticket_update(
    *, ticket: TicketDefinition, user, expected_revision: int | None = None, **data: Any
) -> TicketDefinition:
    """Change a draft ticket definition; `expected_revision` refuses it if someone saved first."""
    return _one(
        definitions_update,
        user=user,
        model=TicketDefinition,
        changes=[(ticket, data)],
        expected_revision=expected_revision,
    )[0]


def ticket_delete(*, ticket: TicketDefinition, user, expected_revision: int | None = None) -> None:
    _one(definitions_delete, user=user, model=TicketDefinition, objects=[ticket], expected_revision=expected_revision)
