"""Writes for definitions. Every path (admin, API, imports, bundles, fixtures) calls these."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from users.models import Company
from users.services import company_ensure_groups

from . import audit
from .models import (
    AuditAction,
    DefinitionStatus,
    TaskDefinition,
    TicketDefinition,
    WorkflowDefinition,
    WorkflowTransition,
)

GRANTED_ACTIONS = ("view", "change", "delete")


def _company_of(obj: models.Model) -> Company:
    if isinstance(obj, WorkflowTransition):
        return obj.workflow.company
    return obj.company  # type: ignore[attr-defined]


def _group_permission_model(model: type[models.Model]):
    from guardian.utils import get_group_obj_perms_model

    return get_group_obj_perms_model(model)


@transaction.atomic
def definitions_grant_company_access(*, objects: Sequence[models.Model]) -> int:
    """Grant each object's company creators group view/change/delete on it; return rows made.

    One query per model and company for the permissions, one bulk insert per model: a
    200-task bundle costs the same few queries as one task.
    """
    if not objects:
        return 0
    by_model: dict[type[models.Model], list[models.Model]] = {}
    for obj in objects:
        by_model.setdefault(type(obj), []).append(obj)
    created = 0
    groups: dict[int, Any] = {}
    for model, rows in by_model.items():
        codenames = [f"{action}_{model._meta.model_name}" for action in GRANTED_ACTIONS]
        permissions = list(
            Permission.objects.filter(content_type__app_label=model._meta.app_label, codename__in=codenames)
        )
        perm_model = _group_permission_model(model)
        existing = set(
            perm_model.objects.filter(content_object__in=rows, permission__in=permissions).values_list(
                "content_object_id", "permission_id", "group_id"
            )
        )
        new_rows = []
        for obj in rows:
            company = _company_of(obj)
            if company.pk not in groups:
                groups[company.pk] = company_ensure_groups(company=company)
            group = groups[company.pk]
            for permission in permissions:
                if (obj.pk, permission.pk, group.pk) not in existing:
                    new_rows.append(perm_model(content_object=obj, permission=permission, group=group))
        perm_model.objects.bulk_create(new_rows)
        created += len(new_rows)
    return created


def definition_ensure_editable(*, obj: models.Model) -> None:
    """Published and archived definitions (and the parts of such a workflow) are read-only."""
    if isinstance(obj, TaskDefinition | WorkflowTransition):
        holder: models.Model = obj.workflow
    else:
        holder = obj
    status = holder.status  # type: ignore[attr-defined]
    if holder.pk is not None:
        # The stored status decides: a form cannot make a published row editable again.
        status = type(holder).objects.filter(pk=holder.pk).values_list("status", flat=True).first() or status
    if status != DefinitionStatus.DRAFT:
        raise ValidationError(
            _("%(object)s is %(status)s and read-only; create a new version to change it.")
            % {"object": holder, "status": DefinitionStatus(status).label.lower()},
            code="read_only",
        )


def _touch_workflow(workflow: WorkflowDefinition, expected_revision: int | None = None) -> None:
    """Raise the workflow's revision: any saved change to it or its parts is a new revision.

    With `expected_revision` this is a compare-and-set: if someone else saved the workflow
    since the caller read it, nothing is written and the caller is told to reload. The
    UPDATE also locks the row until commit, so a concurrent save waits and then fails.
    """
    rows = WorkflowDefinition.objects.filter(pk=workflow.pk)
    if expected_revision is not None:
        rows = rows.filter(revision=expected_revision)
    if rows.update(revision=models.F("revision") + 1) == 0:
        raise ValidationError(
            _(
                "Someone else changed the workflow %(workflow)s since you opened it. Reload it to see "
                "their changes, then make yours again; nothing of yours was saved."
            )
            % {"workflow": workflow.slug},
            code="stale",
        )
    workflow.revision = WorkflowDefinition.objects.values_list("revision", flat=True).get(pk=workflow.pk)


def _stored(obj: models.Model) -> dict[str, Any]:
    return audit.snapshot(type(obj).objects.get(pk=obj.pk))


def _apply(obj: models.Model, data: dict[str, Any]) -> None:
    for key, value in data.items():
        setattr(obj, key, value)


# Workflows -----------------------------------------------------------------------------


@transaction.atomic
def workflow_create(*, user, company: Company, **data: Any) -> WorkflowDefinition:
    workflow = WorkflowDefinition(company=company, created_by=user if user and user.pk else None)
    _apply(workflow, data)
    workflow.status = DefinitionStatus.DRAFT
    workflow.full_clean()
    workflow.save()
    definitions_grant_company_access(objects=[workflow])
    audit.audit_record(actor=user, obj=workflow, action=AuditAction.CREATED)
    return workflow


@transaction.atomic
def workflow_update(
    *, workflow: WorkflowDefinition, user, expected_revision: int | None = None, **data: Any
) -> WorkflowDefinition:
    """Change a draft workflow; `expected_revision` refuses the save if someone else saved first."""
    definition_ensure_editable(obj=workflow)
    for key in ("company", "company_id", "status", "version", "revision"):
        data.pop(key, None)
    before = _stored(workflow)
    _apply(workflow, data)
    workflow.full_clean()
    _touch_workflow(workflow, expected_revision)
    workflow.save()
    audit.audit_record(
        actor=user, obj=workflow, action=AuditAction.CHANGED, changes=audit.diff(before, audit.snapshot(workflow))
    )
    return workflow


@transaction.atomic
def workflow_delete(*, workflow: WorkflowDefinition, user) -> None:
    definition_ensure_editable(obj=workflow)
    if workflow.ticket_definitions.exists():
        raise ValidationError(
            _("Ticket definitions use this workflow (%(slugs)s); delete or move them first.")
            % {"slugs": ", ".join(workflow.ticket_definitions.values_list("slug", flat=True))}
        )
    audit.audit_record(actor=user, obj=workflow, action=AuditAction.DELETED)
    workflow.delete()


# Tasks ---------------------------------------------------------------------------------


@transaction.atomic
def task_create(
    *, user, workflow: WorkflowDefinition, expected_revision: int | None = None, **data: Any
) -> TaskDefinition:
    definition_ensure_editable(obj=workflow)
    task = TaskDefinition(
        workflow=workflow,
        company_id=workflow.company_id,
        version=workflow.version,
        created_by=user if user and user.pk else None,
    )
    _apply(task, data)
    task.company_id = workflow.company_id
    task.full_clean()
    task.save()
    definitions_grant_company_access(objects=[task])
    _touch_workflow(workflow, expected_revision)
    audit.audit_record(actor=user, obj=task, action=AuditAction.CREATED)
    return task


@transaction.atomic
def task_update(*, task: TaskDefinition, user, expected_revision: int | None = None, **data: Any) -> TaskDefinition:
    definition_ensure_editable(obj=task)
    for key in ("company", "company_id", "workflow", "workflow_id", "status", "version"):
        data.pop(key, None)
    before = _stored(task)
    _apply(task, data)
    task.full_clean()
    task.save()
    _touch_workflow(task.workflow, expected_revision)
    audit.audit_record(
        actor=user, obj=task, action=AuditAction.CHANGED, changes=audit.diff(before, audit.snapshot(task))
    )
    return task


@transaction.atomic
def task_delete(*, task: TaskDefinition, user, expected_revision: int | None = None) -> None:
    definition_ensure_editable(obj=task)
    workflow = task.workflow
    audit.audit_record(actor=user, obj=task, action=AuditAction.DELETED)
    task.delete()
    _touch_workflow(workflow, expected_revision)


# Transitions ---------------------------------------------------------------------------


def transition_default_slug(*, from_task: TaskDefinition | None, to_task: TaskDefinition | None) -> str:
    return f"{from_task.slug if from_task else 'start'}-to-{to_task.slug if to_task else 'end'}"[:120]


def _unique_transition_slug(workflow: WorkflowDefinition, base: str, exclude_pk: int | None = None) -> str:
    taken = set(
        WorkflowTransition.objects.filter(workflow=workflow, slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    return _free_slug(base, taken)


def _free_slug(base: str, taken: set[str]) -> str:
    """`base`, or `base-2`, `base-3`… whichever is not taken yet."""
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def transition_create(
    *, user, workflow: WorkflowDefinition, expected_revision: int | None = None, **data: Any
) -> WorkflowTransition:
    definition_ensure_editable(obj=workflow)
    transition = WorkflowTransition(workflow=workflow)
    _apply(transition, data)
    if not transition.slug:
        transition.slug = _unique_transition_slug(
            workflow,
            transition_default_slug(
                from_task=transition.from_task if transition.from_task_id else None,
                to_task=transition.to_task if transition.to_task_id else None,
            ),
        )
    transition.full_clean()
    transition.save()
    definitions_grant_company_access(objects=[transition])
    _touch_workflow(workflow, expected_revision)
    audit.audit_record(actor=user, obj=transition, action=AuditAction.CREATED)
    return transition


@transaction.atomic
def transition_update(
    *, transition: WorkflowTransition, user, expected_revision: int | None = None, **data: Any
) -> WorkflowTransition:
    definition_ensure_editable(obj=transition)
    for key in ("workflow", "workflow_id", "status"):
        data.pop(key, None)
    before = _stored(transition)
    _apply(transition, data)
    transition.full_clean()
    transition.save()
    _touch_workflow(transition.workflow, expected_revision)
    audit.audit_record(
        actor=user, obj=transition, action=AuditAction.CHANGED, changes=audit.diff(before, audit.snapshot(transition))
    )
    return transition


@transaction.atomic
def transition_delete(*, transition: WorkflowTransition, user, expected_revision: int | None = None) -> None:
    definition_ensure_editable(obj=transition)
    workflow = transition.workflow
    audit.audit_record(actor=user, obj=transition, action=AuditAction.DELETED)
    transition.delete()
    _touch_workflow(workflow, expected_revision)


# Ticket definitions --------------------------------------------------------------------


@transaction.atomic
def ticket_create(*, user, company: Company, **data: Any) -> TicketDefinition:
    ticket = TicketDefinition(company=company, created_by=user if user and user.pk else None)
    _apply(ticket, data)
    ticket.status = DefinitionStatus.DRAFT
    ticket.full_clean()
    ticket.save()
    definitions_grant_company_access(objects=[ticket])
    audit.audit_record(actor=user, obj=ticket, action=AuditAction.CREATED)
    return ticket


@transaction.atomic
def ticket_update(
    *, ticket: TicketDefinition, user, expected_updated_at: datetime | None = None, **data: Any
) -> TicketDefinition:
    """Change a draft ticket definition; `expected_updated_at` refuses it if someone saved first."""
    definition_ensure_editable(obj=ticket)
    for key in ("company", "company_id", "status", "version"):
        data.pop(key, None)
    stored = TicketDefinition.objects.select_for_update().get(pk=ticket.pk)
    if expected_updated_at is not None and stored.updated_at != expected_updated_at:
        raise ValidationError(
            _(
                "Someone else changed the ticket definition %(slug)s since you opened it. Reload it to "
                "see their changes, then make yours again; nothing of yours was saved."
            )
            % {"slug": stored.slug},
            code="stale",
        )
    before = audit.snapshot(stored)
    _apply(ticket, data)
    ticket.full_clean()
    ticket.save()
    audit.audit_record(
        actor=user, obj=ticket, action=AuditAction.CHANGED, changes=audit.diff(before, audit.snapshot(ticket))
    )
    return ticket


@transaction.atomic
def ticket_delete(*, ticket: TicketDefinition, user) -> None:
    definition_ensure_editable(obj=ticket)
    audit.audit_record(actor=user, obj=ticket, action=AuditAction.DELETED)
    ticket.delete()


# Many parts at once (bundles, new versions) ---------------------------------------------


# Foreign keys that the batch services receive as loaded objects, never as raw ids.
LOADED_RELATIONS = ["company", "workflow", "created_by", "assignee_role", "from_task", "to_task"]


class RowErrors(ValidationError):
    """Several rows refused at once: `rows` maps each row's index to its ValidationError."""

    def __init__(self, rows: dict[int, ValidationError]) -> None:
        self.rows = rows
        super().__init__([message for error in rows.values() for message in error.messages])


def _refuse_duplicate_slugs(objects: Sequence[models.Model], taken: set[str], errors: dict[int, ValidationError]):
    seen: set[str] = set()
    for index, obj in enumerate(objects):
        slug = obj.slug  # type: ignore[attr-defined]
        if slug in taken or slug in seen:
            errors.setdefault(
                index,
                ValidationError(
                    {
                        "slug": [
                            _("This workflow already has a %(kind)s with this slug.") % {"kind": obj._meta.verbose_name}
                        ]
                    }
                ),
            )
        seen.add(slug)


@transaction.atomic
def tasks_create_many(*, user, workflow: WorkflowDefinition, rows: Sequence[dict[str, Any]]) -> list[TaskDefinition]:
    """Create many tasks of one workflow with every model rule, in a constant number of queries.

    Each row is validated as `task_create` would (Model.full_clean); slug uniqueness is
    checked for the whole batch in one query instead of one per row. Any invalid row refuses
    the batch with `RowErrors` naming each row.
    """
    definition_ensure_editable(obj=workflow)
    actor = user if user and user.pk else None
    tasks = []
    for data in rows:
        task = TaskDefinition(workflow=workflow, company=workflow.company, version=workflow.version, created_by=actor)
        _apply(task, data)
        task.company_id = workflow.company_id
        tasks.append(task)
    errors: dict[int, ValidationError] = {}
    for index, task in enumerate(tasks):
        try:
            # The related rows are in hand (read in this transaction), so their existence is
            # not asked again row by row; clean() still checks they belong together.
            task.full_clean(exclude=LOADED_RELATIONS, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            errors[index] = exc
    taken = set(TaskDefinition.objects.filter(workflow=workflow).values_list("slug", flat=True))
    _refuse_duplicate_slugs(tasks, taken, errors)
    if errors:
        raise RowErrors(dict(sorted(errors.items())))
    TaskDefinition.objects.bulk_create(tasks)
    definitions_grant_company_access(objects=tasks)
    _touch_workflow(workflow)
    audit.audit_record_many(actor=user, objects=tasks, action=AuditAction.CREATED)
    return tasks


@transaction.atomic
def transitions_create_many(
    *, user, workflow: WorkflowDefinition, rows: Sequence[dict[str, Any]]
) -> list[WorkflowTransition]:
    """Create many transitions of one workflow with every model rule (conditions included)."""
    from django.db.models import prefetch_related_objects

    definition_ensure_editable(obj=workflow)
    # The condition checks read the workflow's ticket definitions: once, not per row.
    prefetch_related_objects([workflow], "ticket_definitions")
    taken = set(WorkflowTransition.objects.filter(workflow=workflow).values_list("slug", flat=True))
    transitions = []
    used = set(taken)
    for data in rows:
        transition = WorkflowTransition(workflow=workflow)
        _apply(transition, data)
        if not transition.slug:
            transition.slug = _free_slug(
                transition_default_slug(from_task=transition.from_task, to_task=transition.to_task), used
            )
        used.add(transition.slug)
        transitions.append(transition)
    errors: dict[int, ValidationError] = {}
    for index, transition in enumerate(transitions):
        try:
            transition.full_clean(exclude=LOADED_RELATIONS, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            errors[index] = exc
    _refuse_duplicate_slugs(transitions, taken, errors)
    if errors:
        raise RowErrors(dict(sorted(errors.items())))
    WorkflowTransition.objects.bulk_create(transitions)
    definitions_grant_company_access(objects=transitions)
    _touch_workflow(workflow)
    audit.audit_record_many(actor=user, objects=transitions, action=AuditAction.CREATED)
    return transitions
