"""Lifecycle services: draft → published → archived, new versions, and comparing versions.

A published workflow is what the runtime executes, so publishing runs the linter and refuses
on any error. Changing a published workflow means `workflow_new_version`: a deep copy into
version n+1 as a draft with the same slugs. Publishing that draft archives the version that
was published before it. Every version stays readable.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from workflow_design.models import (
    AuditAction,
    DefinitionStatus,
    TaskDefinition,
    TicketDefinition,
    WorkflowDefinition,
    WorkflowTransition,
)
from workflow_design.rules.field_schemas import fields_by_name
from workflow_design.rules.linting import Finding, lint_errors, lint_workflow
from workflow_design.services import audit, definitions_grant_company_access


class LintRefused(ValidationError):
    """Publishing refused: carries the error findings for callers that show them per object."""

    def __init__(self, findings: list[Finding]) -> None:
        # One error per finding, each keeping the code (a plain list of strings would drop it).
        super().__init__([ValidationError(f.message, code="lint_errors") for f in findings])
        self.findings = findings


def _lock_versions(workflow: WorkflowDefinition) -> list[WorkflowDefinition]:
    """Lock every version of this workflow's slug, in id order so concurrent callers cannot deadlock.

    Two publishes (or a publish and a new version) of the same slug then run one after the
    other: the second sees the first one's result instead of archiving or copying stale rows.
    """
    return list(
        WorkflowDefinition.objects.select_for_update()
        .filter(company_id=workflow.company_id, slug=workflow.slug)
        .order_by("pk")
    )


def _locked(workflow: WorkflowDefinition, versions: list[WorkflowDefinition]) -> WorkflowDefinition:
    for version in versions:
        if version.pk == workflow.pk:
            return version
    raise ValidationError(_("This workflow no longer exists."), code="missing")


def _set_status(workflow: WorkflowDefinition, status: str, *, ticket_from: str | None, now) -> list[TicketDefinition]:
    """Give a workflow, its tasks and transitions `status`; ticket definitions in `ticket_from` follow."""
    workflow.status = status
    fields = ["status", "revision", "updated_at"]
    if status == DefinitionStatus.PUBLISHED:
        workflow.published_at = now
        fields.append("published_at")
    workflow.revision = (workflow.revision or 0) + 1
    workflow.full_clean()
    workflow.save(update_fields=fields)
    # Tasks and transitions were just checked by the linter (or are read-only already); their
    # status only mirrors the workflow's, so one update per table keeps this size-independent.
    TaskDefinition.objects.filter(workflow=workflow).update(status=status, updated_at=now)
    WorkflowTransition.objects.filter(workflow=workflow).update(status=status, updated_at=now)
    changed: list[TicketDefinition] = []
    if ticket_from is not None:
        for ticket in TicketDefinition.objects.select_for_update().filter(workflow=workflow, status=ticket_from):
            ticket.status = status
            update = ["status", "updated_at"]
            if status == DefinitionStatus.PUBLISHED:
                ticket.published_at = now
                update.append("published_at")
            ticket.full_clean()
            ticket.save(update_fields=update)
            changed.append(ticket)
    return changed


@transaction.atomic
def workflow_publish(*, workflow: WorkflowDefinition, user) -> WorkflowDefinition:
    """Publish a draft: lint, refuse on errors, then archive the previously published version."""
    versions = _lock_versions(workflow)
    current = _locked(workflow, versions)
    if current.status != DefinitionStatus.DRAFT:
        raise ValidationError(
            _("%(workflow)s is %(status)s; only a draft can be published.")
            % {"workflow": current, "status": DefinitionStatus(current.status).label.lower()},
            code="not_draft",
        )
    errors = lint_errors(lint_workflow(current))
    if errors:
        raise LintRefused(errors)
    now = timezone.now()
    for previous in versions:
        if previous.pk != current.pk and previous.status == DefinitionStatus.PUBLISHED:
            _set_status(previous, DefinitionStatus.ARCHIVED, ticket_from=DefinitionStatus.PUBLISHED, now=now)
            audit.audit_record(
                actor=user, obj=previous, action=AuditAction.ARCHIVED, changes={"status": ["published", "archived"]}
            )
    published_tickets = _set_status(current, DefinitionStatus.PUBLISHED, ticket_from=DefinitionStatus.DRAFT, now=now)
    # A ticket type published with this version replaces its own earlier published version.
    for ticket in published_tickets:
        for older in (
            TicketDefinition.objects.select_for_update()
            .filter(company_id=ticket.company_id, slug=ticket.slug, status=DefinitionStatus.PUBLISHED)
            .exclude(pk=ticket.pk)
        ):
            older.status = DefinitionStatus.ARCHIVED
            older.full_clean()
            older.save(update_fields=["status", "updated_at"])
    workflow.status = current.status
    workflow.published_at = current.published_at
    workflow.revision = current.revision
    audit.audit_record(
        actor=user, obj=current, action=AuditAction.PUBLISHED, changes={"status": ["draft", "published"]}
    )
    return current


@transaction.atomic
def workflow_archive(*, workflow: WorkflowDefinition, user) -> WorkflowDefinition:
    """Retire a published version: it stays readable but is no longer offered to new tickets."""
    versions = _lock_versions(workflow)
    current = _locked(workflow, versions)
    if current.status != DefinitionStatus.PUBLISHED:
        raise ValidationError(
            _("%(workflow)s is %(status)s; only a published version can be archived (delete a draft instead).")
            % {"workflow": current, "status": DefinitionStatus(current.status).label.lower()},
            code="not_published",
        )
    _set_status(current, DefinitionStatus.ARCHIVED, ticket_from=DefinitionStatus.PUBLISHED, now=timezone.now())
    workflow.status = current.status
    audit.audit_record(
        actor=user, obj=current, action=AuditAction.ARCHIVED, changes={"status": ["published", "archived"]}
    )
    return current


def workflow_other_versions(*, workflow: WorkflowDefinition, visible: models.QuerySet) -> models.QuerySet:
    """The other versions of `workflow`'s slug among `visible` (a queryset from the access layer)."""
    return (
        visible.filter(company_id=workflow.company_id, slug=workflow.slug).exclude(pk=workflow.pk).order_by("-version")
    )


def _copy(source: models.Model, **overrides: Any) -> Any:
    """An unsaved copy of `source` with its concrete, non-automatic fields."""
    skip = {"id", "created_at", "updated_at", "published_at"}
    data = {
        f.attname: getattr(source, f.attname)
        for f in source._meta.concrete_fields
        if f.attname not in skip and not f.primary_key
    }
    copy = type(source)(**data)
    for key, value in overrides.items():
        setattr(copy, key, value)
    return copy


@transaction.atomic
def workflow_new_version(*, workflow: WorkflowDefinition, user) -> WorkflowDefinition:
    """Deep-copy a workflow into version n+1 as a draft, with the same slugs.

    Tasks and transitions are copied; the ticket definitions that use the workflow get a new
    draft version pointing at the copy (unless that ticket type has a draft already).
    """
    versions = _lock_versions(workflow)
    source = _locked(workflow, versions)
    drafts = [v for v in versions if v.status == DefinitionStatus.DRAFT]
    if drafts:
        raise ValidationError(
            _("Version %(version)d of %(slug)s is already a draft; edit or publish it before creating another version.")
            % {"version": drafts[0].version, "slug": source.slug},
            code="draft_exists",
        )
    user = user if user is not None and user.pk else None
    new = _copy(
        source,
        version=max(v.version for v in versions) + 1,
        status=DefinitionStatus.DRAFT,
        revision=1,
        created_by=user,
    )
    new.full_clean()
    new.save()

    # Ticket definitions first, so the copied conditions are checked against them.
    tickets: list[TicketDefinition] = []
    sources = list(source.ticket_definitions.all())
    if sources:
        slugs = {t.slug for t in sources}
        latest: dict[str, int] = {}
        has_draft: set[str] = set()
        for row in TicketDefinition.objects.select_for_update().filter(company_id=source.company_id, slug__in=slugs):
            latest[row.slug] = max(latest.get(row.slug, 0), row.version)
            if row.status == DefinitionStatus.DRAFT:
                has_draft.add(row.slug)
        newest_source: dict[str, TicketDefinition] = {}
        for ticket in sources:
            if ticket.slug not in newest_source or ticket.version > newest_source[ticket.slug].version:
                newest_source[ticket.slug] = ticket
        for slug, ticket in sorted(newest_source.items()):
            if slug in has_draft:
                continue
            copy = _copy(
                ticket,
                workflow_id=new.pk,
                version=latest[slug] + 1,
                status=DefinitionStatus.DRAFT,
                created_by=user,
            )
            copy.full_clean()
            copy.save()
            tickets.append(copy)
    prefetch_related_objects([new], "ticket_definitions")

    task_map: dict[int, TaskDefinition] = {}
    for task in source.tasks.select_related("assignee_role").order_by("position", "id"):
        copy = _copy(task, workflow_id=new.pk, version=new.version, status=DefinitionStatus.DRAFT, created_by=user)
        copy.workflow = new
        copy.assignee_role = task.assignee_role
        # The copy's slugs are unique by construction (they were unique in the source); the
        # database constraints still guard them, so skip the per-row uniqueness queries.
        copy.full_clean(validate_unique=False, validate_constraints=False)
        task_map[task.pk] = copy
    TaskDefinition.objects.bulk_create(task_map.values())

    transitions: list[WorkflowTransition] = []
    for transition in source.transitions.order_by("priority", "id"):
        copy = _copy(transition, workflow_id=new.pk, status=DefinitionStatus.DRAFT)
        copy.workflow = new
        copy.from_task = task_map[transition.from_task_id] if transition.from_task_id else None
        copy.to_task = task_map[transition.to_task_id] if transition.to_task_id else None
        copy.full_clean(validate_unique=False, validate_constraints=False)
        transitions.append(copy)
    WorkflowTransition.objects.bulk_create(transitions)

    definitions_grant_company_access(objects=[new, *task_map.values(), *transitions, *tickets])
    audit.audit_record(
        actor=user, obj=new, action=AuditAction.NEW_VERSION, changes={"version": [source.version, new.version]}
    )
    audit.audit_record_many(
        actor=user, objects=[*task_map.values(), *transitions, *tickets], action=AuditAction.CREATED
    )
    return new


# Comparing versions -------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    kind: Literal["added", "removed", "changed"]
    object_type: str  # workflow, task, transition, field
    slug: str
    message: str
    old: Any = None
    new: Any = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _show(value: Any) -> str:
    if value in (None, ""):
        return _("(empty)")
    return str(value)


def _compare_fields(owner: str, old_fields: Any, new_fields: Any, object_type: str, slug: str) -> list[Change]:
    changes: list[Change] = []
    old_by_name, new_by_name = fields_by_name(old_fields), fields_by_name(new_fields)
    for name, definition in new_by_name.items():
        if name not in old_by_name:
            changes.append(
                Change(
                    "added",
                    "field",
                    slug,
                    _("%(owner)s: field %(name)s (%(type)s) added.")
                    % {"owner": owner, "name": name, "type": definition.get("type")},
                    None,
                    definition,
                )
            )
    for name, definition in old_by_name.items():
        if name not in new_by_name:
            changes.append(
                Change(
                    "removed",
                    "field",
                    slug,
                    _("%(owner)s: field %(name)s removed.") % {"owner": owner, "name": name},
                    definition,
                    None,
                )
            )
            continue
        after = new_by_name[name]
        for key in sorted(set(definition) | set(after)):
            if definition.get(key) != after.get(key):
                changes.append(
                    Change(
                        "changed",
                        "field",
                        slug,
                        _("%(owner)s: field %(name)s, %(key)s changed from %(old)s to %(new)s.")
                        % {
                            "owner": owner,
                            "name": name,
                            "key": key,
                            "old": _show(definition.get(key)),
                            "new": _show(after.get(key)),
                        },
                        definition.get(key),
                        after.get(key),
                    )
                )
    old_order = [n for n in old_by_name if n in new_by_name]
    new_order = [n for n in new_by_name if n in old_by_name]
    if old_order != new_order:
        changes.append(
            Change(
                "changed",
                "field",
                slug,
                _("%(owner)s: field order changed from %(old)s to %(new)s.")
                % {"owner": owner, "old": ", ".join(old_order), "new": ", ".join(new_order)},
                old_order,
                new_order,
            )
        )
    return changes


TASK_ATTRIBUTES = ("title", "description", "task_type", "position")
TRANSITION_ATTRIBUTES = ("condition", "priority")


def workflow_compare(*, old: WorkflowDefinition, new: WorkflowDefinition) -> list[Change]:
    """What changed from `old` to `new`: tasks, transitions, fields and conditions, in words."""
    changes: list[Change] = []
    for attribute in ("title", "description"):
        before, after = getattr(old, attribute), getattr(new, attribute)
        if before != after:
            changes.append(
                Change(
                    "changed",
                    "workflow",
                    new.slug,
                    _("Workflow %(attribute)s changed from %(old)s to %(new)s.")
                    % {"attribute": attribute, "old": _show(before), "new": _show(after)},
                    before,
                    after,
                )
            )
    changes += _compare_fields(_("Workflow fields"), old.fields, new.fields, "workflow", new.slug)

    old_tasks = {t.slug: t for t in old.tasks.select_related("assignee_role")}
    new_tasks = {t.slug: t for t in new.tasks.select_related("assignee_role")}
    for slug, task in new_tasks.items():
        if slug not in old_tasks:
            changes.append(
                Change(
                    "added", "task", slug, _('Task "%(title)s" (%(slug)s) added.') % {"title": task.title, "slug": slug}
                )
            )
    for slug, task in old_tasks.items():
        if slug not in new_tasks:
            changes.append(
                Change(
                    "removed",
                    "task",
                    slug,
                    _('Task "%(title)s" (%(slug)s) removed.') % {"title": task.title, "slug": slug},
                )
            )
            continue
        after = new_tasks[slug]
        for attribute in TASK_ATTRIBUTES:
            before_value, after_value = getattr(task, attribute), getattr(after, attribute)
            if before_value != after_value:
                changes.append(
                    Change(
                        "changed",
                        "task",
                        slug,
                        _("Task %(slug)s: %(attribute)s changed from %(old)s to %(new)s.")
                        % {"slug": slug, "attribute": attribute, "old": _show(before_value), "new": _show(after_value)},
                        before_value,
                        after_value,
                    )
                )
        before_role = task.assignee_role.slug if task.assignee_role else None
        after_role = after.assignee_role.slug if after.assignee_role else None
        if before_role != after_role:
            changes.append(
                Change(
                    "changed",
                    "task",
                    slug,
                    _("Task %(slug)s: assigned role changed from %(old)s to %(new)s.")
                    % {"slug": slug, "old": _show(before_role), "new": _show(after_role)},
                    before_role,
                    after_role,
                )
            )
        changes += _compare_fields(
            _("Task %(slug)s input") % {"slug": slug}, task.input_schema, after.input_schema, "task", slug
        )
        changes += _compare_fields(
            _("Task %(slug)s output") % {"slug": slug}, task.output_schema, after.output_schema, "task", slug
        )

    def ends(transition: WorkflowTransition) -> tuple[str, str]:
        return (
            transition.from_task.slug if transition.from_task_id else _("start"),
            transition.to_task.slug if transition.to_task_id else _("end"),
        )

    old_transitions = {t.slug: t for t in old.transitions.select_related("from_task", "to_task")}
    new_transitions = {t.slug: t for t in new.transitions.select_related("from_task", "to_task")}
    for slug, transition in new_transitions.items():
        if slug not in old_transitions:
            source, target = ends(transition)
            changes.append(
                Change(
                    "added",
                    "transition",
                    slug,
                    _(
                        "Transition %(slug)s (%(source)s → %(target)s, priority %(priority)d, "
                        "condition %(condition)s) added."
                    )
                    % {
                        "slug": slug,
                        "source": source,
                        "target": target,
                        "priority": transition.priority,
                        "condition": _show(transition.condition),
                    },
                )
            )
    for slug, transition in old_transitions.items():
        if slug not in new_transitions:
            source, target = ends(transition)
            changes.append(
                Change(
                    "removed",
                    "transition",
                    slug,
                    _("Transition %(slug)s (%(source)s → %(target)s) removed.")
                    % {"slug": slug, "source": source, "target": target},
                )
            )
            continue
        after = new_transitions[slug]
        if ends(transition) != ends(after):
            changes.append(
                Change(
                    "changed",
                    "transition",
                    slug,
                    _("Transition %(slug)s now goes %(new)s instead of %(old)s.")
                    % {"slug": slug, "old": " → ".join(ends(transition)), "new": " → ".join(ends(after))},
                    " → ".join(ends(transition)),
                    " → ".join(ends(after)),
                )
            )
        for attribute in TRANSITION_ATTRIBUTES:
            before_value, after_value = getattr(transition, attribute), getattr(after, attribute)
            if before_value != after_value:
                changes.append(
                    Change(
                        "changed",
                        "transition",
                        slug,
                        _("Transition %(slug)s: %(attribute)s changed from %(old)s to %(new)s.")
                        % {"slug": slug, "attribute": attribute, "old": _show(before_value), "new": _show(after_value)},
                        before_value,
                        after_value,
                    )
                )
    return changes


__all__ = [
    "Change",
    "LintRefused",
    "workflow_archive",
    "workflow_compare",
    "workflow_new_version",
    "workflow_other_versions",
    "workflow_publish",
]
