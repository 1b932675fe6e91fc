"""The versions of one workflow slug, locked together so lifecycle steps run one after another."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from workflow_design.models import (
    DefinitionStatus,
    TaskDefinition,
    TicketDefinition,
    WorkflowDefinition,
    WorkflowTransition,
)


def lock_versions(workflow: WorkflowDefinition) -> list[WorkflowDefinition]:
    """Lock every version of this workflow's slug, in id order so concurrent callers cannot deadlock.

    Two publishes (or a publish and a new version) of the same slug then run one after the
    other: the second sees the first one's result instead of archiving or copying stale rows.
    """
    return list(
        WorkflowDefinition.objects.select_for_update()
        .filter(company_id=workflow.company_id, slug=workflow.slug)
        .order_by("pk")
    )


def locked(workflow: WorkflowDefinition, versions: list[WorkflowDefinition]) -> WorkflowDefinition:
    for version in versions:
        if version.pk == workflow.pk:
            return version
    raise ValidationError(_("This workflow no longer exists."), code="missing")


def wrong_state(workflow: WorkflowDefinition, message: str, code: str) -> ValidationError:
    return ValidationError(
        message % {"workflow": workflow, "status": DefinitionStatus(workflow.status).label.lower()}, code=code
    )


def set_status(workflow: WorkflowDefinition, status: str, *, ticket_from: str | None, now) -> list[TicketDefinition]:
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
            update = ["status", "revision", "updated_at"]
            ticket.revision = (ticket.revision or 0) + 1
            if status == DefinitionStatus.PUBLISHED:
                ticket.published_at = now
                update.append("published_at")
            ticket.full_clean()
            ticket.save(update_fields=update)
            changed.append(ticket)
    return changed


def workflow_other_versions(*, workflow: WorkflowDefinition, visible: models.QuerySet) -> models.QuerySet:
    """The other versions of `workflow`'s slug among `visible` (a queryset from the access layer)."""
    return (
        visible.filter(company_id=workflow.company_id, slug=workflow.slug).exclude(pk=workflow.pk).order_by("-version")
    )
