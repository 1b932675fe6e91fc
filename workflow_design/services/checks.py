"""The checks every created or changed row passes, for a whole batch in a fixed few queries."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import OuterRef, Subquery, UniqueConstraint
from django.db.models.functions import Coalesce

from workflow_design.models import TaskDefinition, WorkflowTransition
from workflow_design.services.rows import LOADED_RELATIONS, PARTS, add_error, row_error


def clean_rows(objects: Sequence[models.Model], errors: dict[int, ValidationError]) -> None:
    """Every model rule of each row: field validation, `clean()`, and for workflows and ticket
    definitions (made one or a few at a time) their constraints (one draft per slug...).

    The related rows are in hand, so their existence is not asked again row by row; `clean()`
    still checks they belong together. A part's slug is checked for the whole batch below.
    """
    for index, obj in enumerate(objects):
        part = isinstance(obj, PARTS)
        exclude = LOADED_RELATIONS if part else [name for name in LOADED_RELATIONS if name != "company"]
        try:
            obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=not part)
        except ValidationError as exc:
            add_error(errors, index, exc)


def _scope(model: type[models.Model]) -> tuple[str, ...]:
    """The columns besides the slug that make a slug unique: the workflow for a part, else the
    company and version."""
    return ("workflow_id",) if model in PARTS else ("company_id", "version")


def _slug_constraint(model: type[models.Model]) -> UniqueConstraint:
    """The model's unconditional unique constraint on the slug: its message is the refusal's."""
    for constraint in model._meta.constraints:
        if isinstance(constraint, UniqueConstraint) and "slug" in constraint.fields and constraint.condition is None:
            return constraint
    raise LookupError(model)


def taken_slugs(model: type[models.Model], objects: Sequence[models.Model]) -> dict[tuple, int]:
    """Stored slugs of the scopes these rows are in: (scope…, slug) → pk. One query."""
    scope = _scope(model)
    first = scope[0]
    values = {getattr(obj, first) for obj in objects}
    rows = model._default_manager.filter(**{f"{first}__in": values}).values_list("pk", *scope, "slug")
    return {tuple(row[1:]): row[0] for row in rows}


def stored_slugs(model: type[models.Model], objects: Sequence[models.Model]) -> dict[tuple, int]:
    """The stored slugs a batch's checks compare with: a part's workflows' (one query). A workflow's
    or ticket definition's stored clashes are found by its constraints, so none are read."""
    return taken_slugs(model, objects) if model in PARTS else {}


def refuse_duplicate_slugs(
    model: type[models.Model],
    objects: Sequence[models.Model],
    errors: dict[int, ValidationError],
    taken: dict[tuple, int],
) -> None:
    """A slug already used in its scope (by another stored row, in `taken`, or an earlier row of
    the batch) is that row's error, worded by the model's own constraint."""
    scope = _scope(model)
    message = str(_slug_constraint(model).violation_error_message)
    seen: set[tuple] = set()
    for index, obj in enumerate(objects):
        key = (*(getattr(obj, name) for name in scope), obj.slug)  # type: ignore[attr-defined]
        holder = taken.get(key)
        if (holder is not None and holder != obj.pk) or key in seen:
            add_error(errors, index, row_error("slug", message, code="unique"))
        seen.add(key)


def fill_missing_slugs(model: type[models.Model], objects: Sequence[models.Model], taken: dict[tuple, int]) -> None:
    """Rows without a slug get the model's own (`ensure_slug`), the first free in their scope,
    counting the batch's own rows and a part's stored slugs (`taken`, from `stored_slugs`)."""
    missing = [obj for obj in objects if not obj.slug]  # type: ignore[attr-defined]
    if not missing:
        return
    if model not in PARTS:
        for obj in missing:  # workflows and ticket definitions come one or a few at a time
            obj.ensure_slug()  # type: ignore[attr-defined]
        return
    used: dict[int, set[str]] = {}
    for workflow_id, slug in taken:
        used.setdefault(workflow_id, set()).add(slug)
    for obj in objects:
        if obj.slug:  # type: ignore[attr-defined]
            used.setdefault(obj.workflow_id, set()).add(obj.slug)  # type: ignore[attr-defined]
    for obj in missing:
        obj.ensure_slug(taken=used.setdefault(obj.workflow_id, set()))  # type: ignore[attr-defined]


def transitions_follow_source_positions(workflow_ids: Sequence[int]) -> None:
    """Copy each source task's stored position onto the transitions of these workflows (one UPDATE).

    `WorkflowTransition.clean()` copies it from the task in hand. This reads the stored tasks, so
    neither a task moved in the same save nor a task object loaded before the move can leave a
    transition out of its list's order. Only the rows whose copy differs are written.
    """
    position = Coalesce(Subquery(TaskDefinition.objects.filter(pk=OuterRef("from_task_id")).values("position")), 0)
    WorkflowTransition.objects.filter(workflow_id__in=workflow_ids).exclude(from_position=position).update(
        from_position=position
    )
