"""The operations by model: what the adapters call. Each is the batch engine with its model named;
a single-row operation is a batch of one that raises its row's error as a plain ValidationError."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models

from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition
from workflow_design.services.create import definitions_create
from workflow_design.services.delete import definitions_delete
from workflow_design.services.rows import RowErrors
from workflow_design.services.update import definitions_update

# A batch of one -----------------------------------------------------------------------------


def _one(call, **kwargs):
    try:
        return call(**kwargs)
    except RowErrors as exc:
        raise exc.single() from None


def _create_one(model: type[models.Model], *, user, data: dict[str, Any], **place: Any) -> Any:
    """Create one row of `model`; `place` is where it goes: `company=`, or `workflow=` (with
    `expected_revision=`)."""
    (created,) = _one(definitions_create, user=user, model=model, rows=[data], **place)
    return created


def _update_one(model: type[models.Model], obj, *, user, data: dict[str, Any], expected_revision: int | None) -> Any:
    changes = [(obj, data)]
    (saved,) = _one(definitions_update, user=user, model=model, changes=changes, expected_revision=expected_revision)
    return saved


def _delete_one(model: type[models.Model], obj, *, user, expected_revision: int | None) -> None:
    _one(definitions_delete, user=user, model=model, objects=[obj], expected_revision=expected_revision)


# Workflows ----------------------------------------------------------------------------------


def workflow_create(*, user, company, **data: Any) -> WorkflowDefinition:
    return _create_one(WorkflowDefinition, user=user, data=data, company=company)


def workflow_update(
    *, workflow: WorkflowDefinition, user, expected_revision: int | None = None, **data: Any
) -> WorkflowDefinition:
    """Change a draft workflow; `expected_revision` refuses the save if someone else saved first."""
    return _update_one(WorkflowDefinition, workflow, user=user, data=data, expected_revision=expected_revision)


def workflow_delete(*, workflow: WorkflowDefinition, user, expected_revision: int | None = None) -> None:
    _delete_one(WorkflowDefinition, workflow, user=user, expected_revision=expected_revision)


# Tasks --------------------------------------------------------------------------------------


def task_create(
    *, user, workflow: WorkflowDefinition, expected_revision: int | None = None, **data: Any
) -> TaskDefinition:
    return _create_one(TaskDefinition, user=user, data=data, workflow=workflow, expected_revision=expected_revision)


def task_update(*, task: TaskDefinition, user, expected_revision: int | None = None, **data: Any) -> TaskDefinition:
    return _update_one(TaskDefinition, task, user=user, data=data, expected_revision=expected_revision)


def task_delete(*, task: TaskDefinition, user, expected_revision: int | None = None) -> None:
    _delete_one(TaskDefinition, task, user=user, expected_revision=expected_revision)


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
    return _create_one(WorkflowTransition, user=user, data=data, workflow=workflow, expected_revision=expected_revision)


def transition_update(
    *, transition: WorkflowTransition, user, expected_revision: int | None = None, **data: Any
) -> WorkflowTransition:
    return _update_one(WorkflowTransition, transition, user=user, data=data, expected_revision=expected_revision)


def transition_delete(*, transition: WorkflowTransition, user, expected_revision: int | None = None) -> None:
    _delete_one(WorkflowTransition, transition, user=user, expected_revision=expected_revision)


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
    return _create_one(TicketDefinition, user=user, data=data, company=company)


def ticket_update(
    *, ticket: TicketDefinition, user, expected_revision: int | None = None, **data: Any
) -> TicketDefinition:
    """Change a draft ticket definition; `expected_revision` refuses it if someone saved first."""
    return _update_one(TicketDefinition, ticket, user=user, data=data, expected_revision=expected_revision)


def ticket_delete(*, ticket: TicketDefinition, user, expected_revision: int | None = None) -> None:
    _delete_one(TicketDefinition, ticket, user=user, expected_revision=expected_revision)
