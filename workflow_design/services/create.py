"""Creating definitions: one implementation for every model and every path, many rows at once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import prefetch_related_objects

from workflow_design.models import AuditAction, DefinitionStatus, WorkflowDefinition, WorkflowTransition
from workflow_design.services import audit
from workflow_design.services.checks import (
    clean_rows,
    fill_missing_slugs,
    refuse_duplicate_slugs,
    stored_slugs,
    transitions_follow_source_positions,
)
from workflow_design.services.editability import holder_refusal, lock_holders, on_row, raise_revisions
from workflow_design.services.grants import definitions_grant_company_access
from workflow_design.services.rows import PARTS, RowErrors, add_error, refuse_unwritable


def actor_of(user) -> Any:
    return user if user is not None and getattr(user, "pk", None) else None


def _build(model: type[models.Model], data: dict[str, Any], *, workflow, company, actor) -> models.Model:
    # One constructor call sets it all: each related object set later costs a router look-up.
    placed: dict[str, Any] = {"status": DefinitionStatus.DRAFT}
    if model in PARTS:
        placed |= {"workflow": workflow, "company": workflow.company}
        if model is not WorkflowTransition:
            placed |= {"version": workflow.version, "created_by": actor}
    else:
        placed |= {"company": company, "created_by": actor}
    return model(**placed, **data)


@transaction.atomic
def definitions_create(
    *,
    user,
    model: type[models.Model],
    rows: Sequence[dict[str, Any]],
    workflow: WorkflowDefinition | None = None,
    company=None,
    expected_revision: int | None = None,
    audit_action: str = AuditAction.CREATED,
    audit_changes: Sequence[dict] | None = None,
) -> list[models.Model]:
    """Check and create rows of `model`; all or none.

    A part's row names its `workflow` (a loaded row, read through the access layer) or takes
    `workflow=`; a workflow or ticket definition goes to `company` (the policy chose it). Each
    row may set only the model's writable fields. Every row is checked (fields, `clean()`,
    constraints, its workflow a draft at `expected_revision`); then the batch is written in a
    fixed few queries with its grants, revisions and audit entries. Raises `RowErrors` naming
    each refused row by its index in `rows`.
    """
    actor = actor_of(user)
    errors: dict[int, ValidationError] = {}
    objects: list[models.Model] = []
    for index, data in enumerate(rows):
        data = dict(data)
        target = None
        if model in PARTS:
            target = data.pop("workflow", None) or workflow
            if target is None:
                raise ValueError("Each row of a part needs a workflow.")
        if model not in PARTS and company is None:
            raise ValueError("A new definition needs its company.")
        refusal = refuse_unwritable(model, data, creating=True)
        if refusal is not None:
            add_error(errors, index, refusal)
            data = {key: value for key, value in data.items() if key not in refusal.error_dict}
        objects.append(_build(model, data, workflow=target, company=company, actor=actor))
    if not objects:
        return objects

    holders: list[models.Model] = []
    if model in PARTS:
        holders = list({obj.workflow.pk: obj.workflow for obj in objects}.values())  # type: ignore[attr-defined]
        stored = lock_holders(model, [holder.pk for holder in holders])
        for index, obj in enumerate(objects):
            refusal = holder_refusal(obj.workflow, stored, expected_revision)  # type: ignore[attr-defined]
            if refusal is not None:
                add_error(errors, index, on_row(obj, refusal))
        if model is WorkflowTransition:
            # The condition checks read each workflow's ticket definitions: once, not per row.
            prefetch_related_objects(holders, "ticket_definitions")
    taken = stored_slugs(model, objects)
    fill_missing_slugs(model, objects, taken)
    clean_rows(objects, errors)
    refuse_duplicate_slugs(model, objects, errors, taken)
    if errors:
        raise RowErrors(errors)

    model._default_manager.bulk_create(objects)
    if model is WorkflowTransition:
        transitions_follow_source_positions([holder.pk for holder in holders])
    definitions_grant_company_access(objects=objects, new=True)
    raise_revisions(holders)
    audit.audit_record_many(actor=user, objects=objects, action=audit_action, changes=audit_changes)
    return objects
