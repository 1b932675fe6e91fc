"""Publishing a draft workflow: what the runtime executes, so the linter must find no error."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from workflow_design.models import AuditAction, DefinitionStatus, TicketDefinition, WorkflowDefinition
from workflow_design.rules.linting import Finding, lint_errors, lint_workflow
from workflow_design.services import audit
from workflow_design.services.versions import lock_versions, locked, set_status, wrong_state


class LintRefused(ValidationError):
    """Publishing refused: carries the error findings for callers that show them per object."""

    def __init__(self, findings: list[Finding]) -> None:
        # One error per finding, each keeping the code (a plain list of strings would drop it).
        super().__init__([ValidationError(f.message, code="lint_errors") for f in findings])
        self.findings = findings


@transaction.atomic
def workflow_publish(*, workflow: WorkflowDefinition, user) -> WorkflowDefinition:
    """Publish a draft: lint, refuse on errors, then archive the previously published version."""
    versions = lock_versions(workflow)
    current = locked(workflow, versions)
    if current.status != DefinitionStatus.DRAFT:
        raise wrong_state(current, _("%(workflow)s is %(status)s; only a draft can be published."), "not_draft")
    errors = lint_errors(lint_workflow(current))
    if errors:
        raise LintRefused(errors)
    now = timezone.now()
    for previous in versions:
        if previous.pk != current.pk and previous.status == DefinitionStatus.PUBLISHED:
            set_status(previous, DefinitionStatus.ARCHIVED, ticket_from=DefinitionStatus.PUBLISHED, now=now)
            audit.audit_record(
                actor=user, obj=previous, action=AuditAction.ARCHIVED, changes={"status": ["published", "archived"]}
            )
    published_tickets = set_status(current, DefinitionStatus.PUBLISHED, ticket_from=DefinitionStatus.DRAFT, now=now)
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
