"""Changing definitions: one implementation for every model and every path, many rows at once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from workflow_design.models import AuditAction, TicketDefinition, WorkflowTransition
from workflow_design.services import audit
from workflow_design.services.checks import (
    clean_rows,
    refuse_duplicate_slugs,
    stored_slugs,
    transitions_follow_source_positions,
)
from workflow_design.services.create import slug_clashes_at_the_slug, write_or_refuse_clash
from workflow_design.services.editability import holder_of, holder_refusal, lock_holders, on_row, raise_revisions
from workflow_design.services.rows import PARTS, WRITABLE, RowErrors, add_error, refuse_unwritable, unchanged_protected
from workflow_design.services.ticket_conditions import conditions_broken_by


@transaction.atomic
def definitions_update(
    *,
    user,
    model: type[models.Model],
    changes: Sequence[tuple[models.Model, dict[str, Any]]],
    expected_revision: int | None = None,
) -> list[models.Model]:
    """Apply each `(row, data)` change, where `data` holds only the fields the caller sets; all or none.

    The stored rows are read afresh (after locking their workflow or themselves): the values a
    caller's object holds besides `data` never reach the database, so a form or a file row can
    set nothing outside the model's writable fields. Each holder must be a draft at
    `expected_revision`. Returns the saved rows; the callers' objects get the saved values too.
    Raises `RowErrors` naming each refused change by its index.
    """
    if not changes:
        return []
    errors: dict[int, ValidationError] = {}
    holder_pks = [holder_of(obj).pk for obj, _data in changes]
    # Locked first, then read: a publish or another write of these definitions waits for this
    # one, so the status checked and the values diffed are the ones this update replaces.
    stored_holders = lock_holders(model, holder_pks)
    query = model._default_manager.filter(pk__in=[obj.pk for obj, _data in changes])
    if model in PARTS:
        query = query.select_related("workflow")
    stored_rows = {row.pk: row for row in query}
    targets: list[models.Model] = []
    befores: list[dict[str, Any]] = []
    for index, (obj, data) in enumerate(changes):
        row = stored_rows.get(obj.pk)
        if row is None:
            add_error(errors, index, ValidationError(_gone(), code="missing"))
            targets.append(obj)
            befores.append({})
            continue
        befores.append(audit.snapshot(row))
        refusal = holder_refusal(holder_of(row), stored_holders, expected_revision)
        if refusal is not None:
            add_error(errors, index, on_row(row, refusal))
        data = unchanged_protected(model, dict(data), row)
        unwritable = refuse_unwritable(model, data, creating=False)
        if unwritable is not None:
            add_error(errors, index, unwritable)
        for key, value in data.items():
            if key in WRITABLE[model]:
                setattr(row, key, value)
        targets.append(row)
    holders = list({holder_of(row).pk: holder_of(row) for row in targets if row.pk in stored_rows}.values())
    if model is WorkflowTransition:
        prefetch_related_objects(holders, "ticket_definitions")
    clean_rows(targets, errors)
    slug_clashes_at_the_slug(model, errors)
    refuse_duplicate_slugs(model, targets, errors, stored_slugs(model, targets))
    if model is TicketDefinition:
        # Only a change of the field list or the workflow can break the workflow's conditions.
        touched = {"fields", "workflow"}
        moved = [i for i, (obj, data) in enumerate(changes) if touched & set(data) and obj.pk in stored_rows]
        for position, refusal in conditions_broken_by([targets[i] for i in moved]).items():
            add_error(errors, moved[position], refusal)
    if errors:
        raise RowErrors(errors)

    now = timezone.now()
    diffs = []
    for row, before in zip(targets, befores, strict=True):
        row.updated_at = now  # type: ignore[attr-defined]
        diffs.append(audit.diff(before, audit.snapshot(row)))
    names = sorted(WRITABLE[model] | {"updated_at"} | ({"from_position"} if model is WorkflowTransition else set()))
    write_or_refuse_clash(model, targets, lambda: model._default_manager.bulk_update(targets, names))
    if model in PARTS and (model is WorkflowTransition or any("position" in diff for diff in diffs)):
        transitions_follow_source_positions([holder.pk for holder in holders])
    raise_revisions(holders)
    audit.audit_record_many(actor=user, objects=targets, action=AuditAction.CHANGED, changes=diffs)
    for (obj, _data), row in zip(changes, targets, strict=True):
        if obj is not row:
            _copy_saved(row, obj)
    return targets


def _copy_saved(saved: models.Model, obj: models.Model) -> None:
    """The caller's object shows what was saved (and the holder's new revision)."""
    for field in saved._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    if isinstance(obj, PARTS):
        obj.workflow.revision = holder_of(saved).revision  # type: ignore[attr-defined]


def _gone() -> str:
    return _("This row was deleted meanwhile; reload and try again.")
