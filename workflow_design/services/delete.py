"""Deleting definitions: one implementation for every model and every path."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from workflow_design.models import AuditAction, TicketDefinition, WorkflowDefinition
from workflow_design.services import audit
from workflow_design.services.editability import holder_of, holder_refusal, lock_holders, on_row, raise_revisions
from workflow_design.services.rows import PARTS, RowErrors, add_error


@transaction.atomic
def definitions_delete(
    *, user, model: type[models.Model], objects: Sequence[models.Model], expected_revision: int | None = None
) -> int:
    """Delete drafts (a part: of a draft workflow) with what cascades from them; all or none.

    A workflow that ticket definitions still use is refused, naming them. Returns the number of
    rows asked for. Raises `RowErrors` naming each refused row by its index.
    """
    if not objects:
        return 0
    errors: dict[int, ValidationError] = {}
    stored = lock_holders(model, [holder_of(obj).pk for obj in objects])
    for index, obj in enumerate(objects):
        refusal = holder_refusal(holder_of(obj), stored, expected_revision)
        if refusal is not None:
            add_error(errors, index, on_row(obj, refusal))
    if model is WorkflowDefinition:
        used: dict[int, list[str]] = {}
        for workflow_id, slug in TicketDefinition.objects.filter(workflow__in=objects).values_list(
            "workflow_id", "slug"
        ):
            used.setdefault(workflow_id, []).append(slug)
        for index, obj in enumerate(objects):
            if obj.pk in used:
                add_error(
                    errors,
                    index,
                    ValidationError(
                        _("Ticket definitions use this workflow (%(slugs)s); delete or move them first.")
                        % {"slugs": ", ".join(sorted(used[obj.pk]))},
                        code="protected",
                    ),
                )
    if errors:
        raise RowErrors(errors)
    holders = [holder_of(obj) for obj in objects] if model in PARTS else []
    audit.audit_record_many(actor=user, objects=objects, action=AuditAction.DELETED)
    model._default_manager.filter(pk__in=[obj.pk for obj in objects]).delete()
    raise_revisions(holders)
    return len(objects)
