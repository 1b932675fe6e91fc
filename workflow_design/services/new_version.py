"""The next version of a published workflow: a deep copy that starts as a draft, same slugs.

The copy is made by the same create service as every other path, so it passes the same checks
and gets the same grants and audit entries.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from workflow_design.models import (
    AuditAction,
    DefinitionStatus,
    TaskDefinition,
    TicketDefinition,
    WorkflowDefinition,
    WorkflowTransition,
)
from workflow_design.services.create import definitions_create
from workflow_design.services.rows import WRITABLE
from workflow_design.services.versions import lock_versions, locked


def _row(source: models.Model, **overrides: Any) -> dict[str, Any]:
    """The writable values of `source`, as a create row."""
    return {name: getattr(source, name) for name in WRITABLE[type(source)]} | overrides


@transaction.atomic
def workflow_new_version(*, workflow: WorkflowDefinition, user) -> WorkflowDefinition:
    """Deep-copy a workflow into version n+1 as a draft, with the same slugs.

    Tasks and transitions are copied; the ticket definitions that use the workflow get a new
    draft version pointing at the copy (unless that ticket type has a draft already).
    """
    versions = lock_versions(workflow)
    source = locked(workflow, versions)
    drafts = [v for v in versions if v.status == DefinitionStatus.DRAFT]
    if drafts:
        raise ValidationError(
            _("Version %(version)d of %(slug)s is already a draft; edit or publish it before creating another version.")
            % {"version": drafts[0].version, "slug": source.slug},
            code="draft_exists",
        )
    version = max(v.version for v in versions) + 1
    (new,) = definitions_create(
        user=user,
        model=WorkflowDefinition,
        rows=[_row(source, version=version)],
        company=source.company,
        audit_action=AuditAction.NEW_VERSION,
        audit_changes=[{"version": [source.version, version]}],
    )
    # Ticket definitions first, so the copied conditions are checked against them.
    definitions_create(user=user, model=TicketDefinition, rows=_ticket_rows(source, new), company=source.company)
    sources = list(source.tasks.select_related("assignee_role").order_by("position", "id"))
    copies = definitions_create(user=user, model=TaskDefinition, rows=[_row(t) for t in sources], workflow=new)
    task_map = {old.pk: copy for old, copy in zip(sources, copies, strict=True)}
    definitions_create(
        user=user,
        model=WorkflowTransition,
        rows=[
            _row(
                transition,
                from_task=task_map.get(transition.from_task_id),
                to_task=task_map.get(transition.to_task_id),
            )
            for transition in source.transitions.order_by("priority", "id")
        ],
        workflow=new,
    )
    return new


def _ticket_rows(source: WorkflowDefinition, new: WorkflowDefinition) -> list[dict[str, Any]]:
    """The newest version of each ticket type using `source`, as the next version of that type,
    pointing at `new`; a type that has a draft already keeps it."""
    newest: dict[str, TicketDefinition] = {}
    for ticket in source.ticket_definitions.all():
        if ticket.slug not in newest or ticket.version > newest[ticket.slug].version:
            newest[ticket.slug] = ticket
    if not newest:
        return []
    latest: dict[str, int] = {}
    has_draft: set[str] = set()
    for slug, version, status in (
        TicketDefinition.objects.select_for_update()
        .filter(company_id=source.company_id, slug__in=list(newest))
        .values_list("slug", "version", "status")
    ):
        latest[slug] = max(latest.get(slug, 0), version)
        if status == DefinitionStatus.DRAFT:
            has_draft.add(slug)
    return [
        _row(ticket, workflow=new, version=latest[slug] + 1)
        for slug, ticket in sorted(newest.items())
        if slug not in has_draft
    ]
