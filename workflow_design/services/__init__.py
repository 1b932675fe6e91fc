"""Writes for definitions. Every path (admin, API, imports, bundles, fixtures) calls these."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from users.models import Company
from users.services import company_ensure_groups
from workflow_design.models import (
    AuditAction,
    DefinitionStatus,
    TaskDefinition,
    TicketDefinition,
    WorkflowDefinition,
    WorkflowTransition,
)
from workflow_design.services import audit

GRANTED_ACTIONS = ("view", "change", "delete")


def _company_of(obj: models.Model) -> Company:
    if isinstance(obj, WorkflowTransition):
        return obj.workflow.company
    return obj.company  # type: ignore[attr-defined]


def _group_permission_model(model: type[models.Model]):
    from guardian.utils import get_group_obj_perms_model

    return get_group_obj_perms_model(model)


@transaction.atomic
def definitions_grant_company_access(*, objects: Sequence[models.Model], new: bool = False) -> int:
    """Grant each object's company creators group view/change/delete on it; return rows made.

    One query per model for the permissions and one insert per model and company: a 200-task
    bundle costs the same few queries as one task. `new=True` says the objects were inserted in
    this transaction, so no grant of theirs can exist yet: none is looked up, and the rows are
    made by the database (`INSERT … SELECT`) instead of one Python object per row and action.
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
        permission_ids = list(
            Permission.objects.filter(
                content_type__app_label=model._meta.app_label, codename__in=codenames
            ).values_list("pk", flat=True)
        )
        perm_model = _group_permission_model(model)
        by_group: dict[int, list[int]] = {}
        for obj in rows:
            company = _company_of(obj)
            if company.pk not in groups:
                groups[company.pk] = company_ensure_groups(company=company)
            by_group.setdefault(groups[company.pk].pk, []).append(obj.pk)
        if new:
            for group_id, object_ids in by_group.items():
                created += _grant_new_rows(model, permission_ids, group_id, object_ids)
            continue
        existing = set(
            perm_model.objects.filter(content_object__in=rows, permission__in=permission_ids).values_list(
                "content_object_id", "permission_id", "group_id"
            )
        )
        new_rows = [
            perm_model(content_object_id=object_id, permission_id=permission_id, group_id=group_id)
            for group_id, object_ids in by_group.items()
            for object_id in object_ids
            for permission_id in permission_ids
            if (object_id, permission_id, group_id) not in existing
        ]
        perm_model.objects.bulk_create(new_rows)
        created += len(new_rows)
    return created


def _grant_new_rows(model: type[models.Model], permission_ids: list[int], group_id: int, object_ids: list[int]) -> int:
    """One `INSERT … SELECT` gives `group_id` every permission on every object: the product of
    the objects' rows and the permission rows, made by the database.

    Split only where the library's parameter limit demands it (a SQLite built with 999).
    """
    from django.db import connection

    quote = connection.ops.quote_name
    perm_model = _group_permission_model(model)
    columns = ", ".join(
        quote(perm_model._meta.get_field(name).column) for name in ("content_object", "permission", "group")
    )
    object_pk, permission_pk = quote(model._meta.pk.column), quote(Permission._meta.pk.column)
    permissions = ", ".join(["%s"] * len(permission_ids))
    step = (connection.features.max_query_params or 65_000) - len(permission_ids) - 1
    with connection.cursor() as cursor:
        for start in range(0, len(object_ids), step):
            chunk = object_ids[start : start + step]
            # Table and column names come from the models (quoted); every value is a parameter.
            sql = (
                f"INSERT INTO {quote(perm_model._meta.db_table)} ({columns}) "  # noqa: S608
                f"SELECT o.{object_pk}, p.{permission_pk}, %s "
                f"FROM {quote(model._meta.db_table)} o CROSS JOIN {quote(Permission._meta.db_table)} p "
                f"WHERE o.{object_pk} IN ({', '.join(['%s'] * len(chunk))}) AND p.{permission_pk} IN ({permissions})"
            )
            cursor.execute(sql, [group_id, *chunk, *permission_ids])
    return len(object_ids) * len(permission_ids)


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
        raise ValidationError(_read_only_message(holder, status), code="read_only")


def _read_only_message(holder: models.Model, status: str) -> str:
    return _("%(object)s is %(status)s and read-only; create a new version to change it.") % {
        "object": holder,
        "status": DefinitionStatus(status).label.lower(),
    }


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
    if before["position"] != task.position:
        _transitions_follow_source_positions([task.workflow_id])
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
    transition = WorkflowTransition(workflow=workflow, company_id=workflow.company_id)
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
    _transitions_follow_source_positions([workflow.pk])
    definitions_grant_company_access(objects=[transition])
    _touch_workflow(workflow, expected_revision)
    audit.audit_record(actor=user, obj=transition, action=AuditAction.CREATED)
    return transition


@transaction.atomic
def transition_update(
    *, transition: WorkflowTransition, user, expected_revision: int | None = None, **data: Any
) -> WorkflowTransition:
    definition_ensure_editable(obj=transition)
    for key in ("company", "company_id", "workflow", "workflow_id", "status"):
        data.pop(key, None)
    before = _stored(transition)
    _apply(transition, data)
    transition.full_clean()
    transition.save()
    _transitions_follow_source_positions([transition.workflow_id])
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


# Many parts at once (files, bundles, new versions) --------------------------------------


# Foreign keys that the batch services receive as loaded objects, never as raw ids.
LOADED_RELATIONS = ["company", "workflow", "created_by", "assignee_role", "from_task", "to_task"]


class RowErrors(ValidationError):
    """Several rows refused at once: `rows` maps each row's index to its ValidationError."""

    def __init__(self, rows: dict[int, ValidationError]) -> None:
        self.rows = rows
        super().__init__([message for error in rows.values() for message in error.messages])


def _row_error(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _lock_workflows(workflows: Sequence[WorkflowDefinition]) -> dict[int, str]:
    """One query: lock every touched workflow until commit and read its stored status.

    The stored status decides editability (a row read earlier may be stale), and the lock makes a
    concurrent publish or save wait until this batch is written.
    """
    pks = {workflow.pk for workflow in workflows}
    # In primary-key order, so two batches over the same workflows never lock crosswise.
    return dict(
        WorkflowDefinition.objects.select_for_update().filter(pk__in=pks).order_by("pk").values_list("pk", "status")
    )


def _refuse_read_only(
    objects: Sequence[models.Model], stored: dict[int, str], errors: dict[int, ValidationError]
) -> None:
    for index, obj in enumerate(objects):
        workflow = obj.workflow  # type: ignore[attr-defined]
        status = stored.get(workflow.pk)
        if status != DefinitionStatus.DRAFT:
            # A workflow deleted meanwhile is as gone as one never seen: "not found" wording.
            message = (
                _read_only_message(workflow, status)
                if status is not None
                else _('Workflow "%(slug)s" was not found.') % {"slug": workflow.slug}
            )
            errors.setdefault(index, _row_error("workflow", message))


def _transitions_follow_source_positions(workflow_ids: Sequence[int]) -> None:
    """Copy each source task's stored position onto the transitions of these workflows (one UPDATE).

    `WorkflowTransition.clean()` copies it from the task in hand. This reads the stored tasks, so
    neither a task moved in the same save nor a task object loaded before the move can leave a
    transition out of its list's order. Only the rows whose copy differs are written.
    """
    position = Coalesce(Subquery(TaskDefinition.objects.filter(pk=OuterRef("from_task_id")).values("position")), 0)
    WorkflowTransition.objects.filter(workflow_id__in=workflow_ids).exclude(from_position=position).update(
        from_position=position
    )


def _touch_workflows(workflows: Sequence[WorkflowDefinition]) -> None:
    """One UPDATE raises the revision of every touched workflow, one read gives the objects theirs.

    Read back rather than computed from the locked read: SQLite takes no row locks, so another
    writer may have committed in between there.
    """
    by_pk = {workflow.pk: workflow for workflow in workflows}
    rows = WorkflowDefinition.objects.filter(pk__in=list(by_pk))
    rows.update(revision=models.F("revision") + 1)
    for pk, revision in rows.values_list("pk", "revision"):
        by_pk[pk].revision = revision


def _refuse_duplicate_slugs(
    objects: Sequence[models.Model],
    taken: dict[tuple[int, str], int | None],
    errors: dict[int, ValidationError],
) -> None:
    """A slug already used in its workflow (by another row of the database or an earlier row of
    the batch) is that row's error. `taken` maps (workflow id, slug) to the pk holding it."""
    seen: set[tuple[int, str]] = set()
    for index, obj in enumerate(objects):
        key = (obj.workflow_id, obj.slug)  # type: ignore[attr-defined]
        holder = taken.get(key, -1)
        if (holder != -1 and holder != obj.pk) or key in seen:
            errors.setdefault(
                index,
                _row_error(
                    "slug", _("This workflow already has a %(kind)s with this slug.") % {"kind": obj._meta.verbose_name}
                ),
            )
        seen.add(key)


def _clean_rows(objects: Sequence[models.Model], errors: dict[int, ValidationError]) -> None:
    """Every model rule of each row, in Python.

    The related rows are in hand (read in this transaction), so their existence is not asked
    again row by row; clean() still checks they belong together. Uniqueness and editability are
    checked for the whole batch in one query each.
    """
    for index, obj in enumerate(objects):
        if index in errors:
            continue
        try:
            obj.full_clean(exclude=LOADED_RELATIONS, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            errors[index] = exc


def _workflows_of(objects: Sequence[models.Model]) -> list[WorkflowDefinition]:
    return list({obj.workflow.pk: obj.workflow for obj in objects}.values())  # type: ignore[attr-defined]


def _audit_changes(*, user, changes: Sequence[tuple[models.Model, dict[str, Any]]]) -> None:
    """One insert for the audit entries of many changed objects, each with its own diff."""
    audit.audit_record_many(
        actor=user,
        objects=[obj for obj, _diff in changes],
        action=AuditAction.CHANGED,
        changes=[diff for _obj, diff in changes],
    )


def _check_parts(
    *,
    model: type[models.Model],
    objects: Sequence[models.Model],
    workflows: Sequence[WorkflowDefinition],
    stored: dict[int, str],
    errors: dict[int, ValidationError],
) -> None:
    """The rules every new or changed task or transition meets: its workflow is a draft, each row
    passes its model rules, and its slug is free in its workflow (one query for all of them).
    Raises `RowErrors` with these and the caller's earlier `errors`, by index in `objects`."""
    _refuse_read_only(objects, stored, errors)
    _clean_rows(objects, errors)
    taken = {
        (workflow_id, slug): pk
        for pk, workflow_id, slug in model._default_manager.filter(workflow__in=workflows).values_list(
            "pk", "workflow_id", "slug"
        )
    }
    _refuse_duplicate_slugs(objects, taken, errors)
    if errors:
        raise RowErrors(dict(sorted(errors.items())))


def _create_parts(*, user, model: type[models.Model], objects: list[models.Model]) -> None:
    """Check and create new tasks or transitions of any number of workflows in a fixed few queries.

    Raises `RowErrors` naming each refused row (by its index in `objects`); nothing is written then.
    """
    workflows = _workflows_of(objects)
    stored = _lock_workflows(workflows)
    errors: dict[int, ValidationError] = {}
    _check_parts(model=model, objects=objects, workflows=workflows, stored=stored, errors=errors)
    model._default_manager.bulk_create(objects)
    if model is WorkflowTransition:
        _transitions_follow_source_positions([workflow.pk for workflow in workflows])
    definitions_grant_company_access(objects=objects, new=True)
    _touch_workflows(workflows)
    audit.audit_record_many(actor=user, objects=objects, action=AuditAction.CREATED)


# What a new part's row may not say: where it belongs and what state it starts in.
_PLACED_KEYS = frozenset(
    {"company", "company_id", "workflow", "workflow_id", "version", "status", "created_by", "created_by_id", "pk", "id"}
)


def _placed(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key not in _PLACED_KEYS}


def _new_task(actor, workflow: WorkflowDefinition, data: dict[str, Any]) -> TaskDefinition:
    # The task belongs where its workflow belongs, whatever the row said. One constructor call
    # sets it all: each related object set later costs a database-router look-up, per row.
    return TaskDefinition(
        workflow=workflow,
        company=workflow.company,
        version=workflow.version,
        status=DefinitionStatus.DRAFT,
        created_by=actor,
        **_placed(data),
    )


@transaction.atomic
def tasks_create_many(
    *, user, rows: Sequence[dict[str, Any]], workflow: WorkflowDefinition | None = None
) -> list[TaskDefinition]:
    """Create many tasks, of one workflow or of many, with every rule, in a constant number of queries.

    Each row names its `workflow` (a loaded WorkflowDefinition, read through the access layer);
    `workflow=` is the default for rows that do not. Each row is validated as `task_create`
    would (Model.full_clean); editability (one locking read of every touched workflow), slug
    uniqueness, permission grants, revision bumps and audit entries are one query each for the
    whole batch. Any invalid row refuses the batch with `RowErrors` naming each row.
    """
    actor = user if user and user.pk else None
    tasks = []
    for data in rows:
        data = dict(data)
        target = data.pop("workflow", None) or workflow
        if target is None:
            raise ValueError("Each row needs a workflow.")
        tasks.append(_new_task(actor, target, data))
    if tasks:
        _create_parts(user=user, model=TaskDefinition, objects=tasks)
    return tasks


def _import_both(*, create: Callable[[], list], update: Callable[[], Any], new_count: int) -> list:
    """Runs a file's creations and its changes, and reports the refused rows of both at once,
    indexed as one list (the new rows first, then the changed ones)."""
    errors: dict[int, ValidationError] = {}
    created: list = []
    try:
        created = create()
    except RowErrors as exc:
        errors.update(exc.rows)
    try:
        update()
    except RowErrors as exc:
        errors.update({new_count + index: error for index, error in exc.rows.items()})
    if errors:
        raise RowErrors(dict(sorted(errors.items())))
    return created


@transaction.atomic
def tasks_import_many(
    *, user, new: Sequence[dict[str, Any]] = (), changed: Sequence[TaskDefinition] = ()
) -> tuple[list[TaskDefinition], list[TaskDefinition]]:
    """The writes of a task file: new rows created and changed rows updated, each side in one batch.

    `RowErrors` indexes rows as one list: the new rows first, then the changed ones.
    """
    created = _import_both(
        create=lambda: tasks_create_many(user=user, rows=new),
        update=lambda: tasks_update_many(user=user, tasks=changed),
        new_count=len(new),
    )
    return created, list(changed)


# Fields a change may never move: a part stays in its workflow and company, at its version.
_FIXED_TASK_FIELDS = ("company_id", "workflow_id", "status", "version", "created_by_id", "created_at")
_FIXED_TRANSITION_FIELDS = ("company_id", "workflow_id", "status", "created_at")


def _update_parts(*, user, model: type[models.Model], objects: Sequence[models.Model], fixed: tuple[str, ...]) -> None:
    """Check and save changed tasks or transitions of any number of workflows in a fixed few queries.

    Each object carries its new values; the stored rows (one query) give the audit diff and the
    fields a change may not move. Raises `RowErrors` (by index in `objects`) and writes nothing then.
    """
    from django.utils import timezone

    workflows = _workflows_of(objects)
    # Locked first, then read: a publish or another batch over these workflows waits for this
    # one, so the status checked and the values diffed are the ones this update replaces.
    stored = _lock_workflows(workflows)
    stored_rows = {obj.pk: obj for obj in model._default_manager.filter(pk__in=[o.pk for o in objects])}
    errors: dict[int, ValidationError] = {}
    for index, obj in enumerate(objects):
        stored_row = stored_rows.get(obj.pk)
        if stored_row is None:
            errors[index] = ValidationError(_("This row was deleted meanwhile; reload and import again."))
            continue
        for attname in fixed:
            setattr(obj, attname, getattr(stored_row, attname))
    _check_parts(model=model, objects=objects, workflows=workflows, stored=stored, errors=errors)
    now = timezone.now()
    changes = []
    for obj in objects:
        obj.updated_at = now  # type: ignore[attr-defined]
        changes.append((obj, audit.diff(audit.snapshot(stored_rows[obj.pk]), audit.snapshot(obj))))
    names = [
        field.name for field in model._meta.concrete_fields if not field.primary_key and field.attname not in fixed
    ]
    model._default_manager.bulk_update(objects, names)
    if model is WorkflowTransition or any(diff.get("position") for _obj, diff in changes):
        _transitions_follow_source_positions([workflow.pk for workflow in workflows])
    _touch_workflows(workflows)
    _audit_changes(user=user, changes=changes)


@transaction.atomic
def tasks_update_many(*, user, tasks: Sequence[TaskDefinition]) -> list[TaskDefinition]:
    """Save many changed tasks (each carrying its new values) with every rule of `task_update`:
    one query each for the stored rows, the workflow locks, the slugs, the update, the revisions
    and the audit entries (each with its own diff)."""
    if tasks:
        _update_parts(user=user, model=TaskDefinition, objects=tasks, fixed=_FIXED_TASK_FIELDS)
    return list(tasks)


@transaction.atomic
def transitions_create_many(
    *, user, rows: Sequence[dict[str, Any]], workflow: WorkflowDefinition | None = None
) -> list[WorkflowTransition]:
    """Create many transitions, of one workflow or many, with every model rule (conditions included).

    Rows name their `workflow` as in `tasks_create_many`; a row without a slug gets the first
    free `<from>-to-<to>` slug of its workflow.
    """
    from django.db.models import prefetch_related_objects

    transitions = []
    for data in rows:
        data = dict(data)
        target = data.pop("workflow", None) or workflow
        if target is None:
            raise ValueError("Each row needs a workflow.")
        transitions.append(
            WorkflowTransition(
                workflow=target, company_id=target.company_id, status=DefinitionStatus.DRAFT, **_placed(data)
            )
        )
    if not transitions:
        return transitions
    workflows = _workflows_of(transitions)
    # The condition checks read each workflow's ticket definitions: once a batch, not per row.
    prefetch_related_objects(workflows, "ticket_definitions")
    if any(not transition.slug for transition in transitions):
        used: dict[int, set[str]] = {workflow.pk: set() for workflow in workflows}
        for workflow_id, slug in WorkflowTransition.objects.filter(workflow__in=workflows).values_list(
            "workflow_id", "slug"
        ):
            used[workflow_id].add(slug)
        for transition in transitions:
            used[transition.workflow_id].add(transition.slug)
        for transition in transitions:
            if not transition.slug:
                base = transition_default_slug(from_task=transition.from_task, to_task=transition.to_task)
                transition.slug = _free_slug(base, used[transition.workflow_id])
                used[transition.workflow_id].add(transition.slug)
    _create_parts(user=user, model=WorkflowTransition, objects=transitions)
    return transitions


@transaction.atomic
def transitions_update_many(*, user, transitions: Sequence[WorkflowTransition]) -> list[WorkflowTransition]:
    """Save many changed transitions with every rule of `transition_update`, in a fixed few queries."""
    if transitions:
        from django.db.models import prefetch_related_objects

        prefetch_related_objects(_workflows_of(transitions), "ticket_definitions")
        _update_parts(user=user, model=WorkflowTransition, objects=transitions, fixed=_FIXED_TRANSITION_FIELDS)
    return list(transitions)


@transaction.atomic
def transitions_import_many(
    *, user, new: Sequence[dict[str, Any]] = (), changed: Sequence[WorkflowTransition] = ()
) -> tuple[list[WorkflowTransition], list[WorkflowTransition]]:
    """The writes of a transition file, as `tasks_import_many`."""
    created = _import_both(
        create=lambda: transitions_create_many(user=user, rows=new),
        update=lambda: transitions_update_many(user=user, transitions=changed),
        new_count=len(new),
    )
    return created, list(changed)
