"""Creating definitions: one implementation for every model and every path, many rows at once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import UniqueConstraint, prefetch_related_objects

from workflow_design.models import (
    AuditAction,
    DefinitionStatus,
    TicketDefinition,
    WorkflowDefinition,
    WorkflowTransition,
)
from workflow_design.services import audit
from workflow_design.services.checks import (
    clean_rows,
    fill_missing_slugs,
    refuse_duplicate_slugs,
    stored_slugs,
    taken_slugs,
    transitions_follow_source_positions,
)
from workflow_design.services.editability import holder_refusal, lock_holders, on_row, raise_revisions
from workflow_design.services.grants import definitions_grant_company_access
from workflow_design.services.rows import PARTS, RowErrors, add_error, refuse_unwritable, row_error
from workflow_design.services.ticket_conditions import conditions_broken_by


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
    slug_clashes_at_the_slug(model, errors)
    refuse_duplicate_slugs(model, objects, errors, taken)
    if model is TicketDefinition:
        for index, refusal in conditions_broken_by(objects).items():
            add_error(errors, index, refusal)
    if errors:
        raise RowErrors(errors)

    write_or_refuse_clash(model, objects, lambda: model._default_manager.bulk_create(objects))
    if model is WorkflowTransition:
        transitions_follow_source_positions([holder.pk for holder in holders])
    definitions_grant_company_access(objects=objects, new=True)
    raise_revisions(holders)
    audit.audit_record_many(actor=user, objects=objects, action=audit_action, changes=audit_changes)
    return objects


def write_or_refuse_clash(model: type[models.Model], objects: Sequence[models.Model], write: Callable[[], Any]) -> None:
    """Run `write` in a savepoint; a unique constraint that a simultaneous writer won between
    the checks and the write becomes the rows' refusal at the constraint's field (`RowErrors`),
    as the checks would have said a moment later, instead of a database error."""
    if model in PARTS:
        # A part's writers queue on their workflow's row lock and read its slugs after it: no
        # rival can slip in between, so no savepoint (two queries per batch) is spent on it.
        write()
        return
    try:
        with transaction.atomic():
            write()
    except IntegrityError as exc:
        constraint = violated_unique_constraint(model, exc)
        if constraint is None:
            raise
        errors: dict[int, ValidationError] = {}
        # The rival's row is committed (the write waited for it): the slug check now sees it.
        refuse_duplicate_slugs(model, objects, errors, taken_slugs(model, objects))
        if not errors:
            # A clash the slug check does not see (one draft per slug): at the slug all the same.
            field = "slug" if "slug" in constraint.fields else constraint.fields[-1]
            code = constraint.violation_error_code or "unique"
            for index in range(len(objects)):
                add_error(errors, index, row_error(field, str(constraint.violation_error_message), code=code))
        raise RowErrors(errors) from None


def violated_unique_constraint(model: type[models.Model], exc: IntegrityError) -> UniqueConstraint | None:
    """The model's unique constraint the database named in `exc`, or None for any other error.

    PostgreSQL names the constraint; SQLite names its columns ("UNIQUE constraint failed: t.a, t.b").
    """
    named = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
    text = str(exc)
    failed_columns = None
    if text.startswith("UNIQUE constraint failed:"):
        failed_columns = {part.strip().rsplit(".", 1)[-1] for part in text.split(":", 1)[1].split(",")}
    for constraint in model._meta.constraints:
        if not isinstance(constraint, UniqueConstraint) or not constraint.fields:
            continue
        columns = {model._meta.get_field(name).column for name in constraint.fields}
        if constraint.name == named or columns == failed_columns:
            return constraint
    return None


def _slug_constraints(model: type[models.Model]) -> list[UniqueConstraint]:
    return [c for c in model._meta.constraints if isinstance(c, UniqueConstraint) and "slug" in c.fields]


def slug_clashes_at_the_slug(model: type[models.Model], errors: dict[int, ValidationError]) -> None:
    """A clash with a unique constraint over the slug (and its scope) is the slug's error: the
    constraint checks report a constraint of several fields for the whole row."""
    messages = {str(constraint.violation_error_message) for constraint in _slug_constraints(model)}
    for index, error in errors.items():
        whole_row = getattr(error, "error_dict", {}).get(NON_FIELD_ERRORS, [])
        clashes = [item for item in whole_row if str(item.message) in messages]
        if not clashes:
            continue
        error.error_dict[NON_FIELD_ERRORS] = [item for item in whole_row if item not in clashes]
        if not error.error_dict[NON_FIELD_ERRORS]:
            del error.error_dict[NON_FIELD_ERRORS]
        error.error_dict.setdefault("slug", []).extend(clashes)
        errors[index] = error
