"""Archiving a published workflow: it stays readable but is no longer offered to new tickets."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from workflow_design.models import AuditAction, DefinitionStatus, WorkflowDefinition
from workflow_design.services import audit
from workflow_design.services.versions import lock_versions, locked, set_status, wrong_state


@transaction.atomic
def workflow_archive(*, workflow: WorkflowDefinition, user) -> WorkflowDefinition:
    versions = lock_versions(workflow)
    current = locked(workflow, versions)
    if current.status != DefinitionStatus.PUBLISHED:
        raise wrong_state(
            current,
            _("%(workflow)s is %(status)s; only a published version can be archived (delete a draft instead)."),
            "not_published",
        )
    set_status(current, DefinitionStatus.ARCHIVED, ticket_from=DefinitionStatus.PUBLISHED, now=timezone.now())
    workflow.status = current.status
    audit.audit_record(
        actor=user, obj=current, action=AuditAction.ARCHIVED, changes={"status": ["published", "archived"]}
    )
    return current
