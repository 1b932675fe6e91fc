"""The MCP tools: thin adapters over the same policy, access layer, services and rules as the API.

Each tool reads the caller from the MCP request (authenticated like any API request), asks the
policy, and calls the service or rule the API calls. Changes are recorded in the audit trail on
the "AI assistant (MCP)" path. There is no publish tool: publishing stays a person's step.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

from asgiref.sync import sync_to_async
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from mcp_server.djangomcp import django_request_ctx

from users.models import Company
from workflow_design.files.bundle_reader import read_bundle
from workflow_design.files.bundle_schema import bundle_json_schema
from workflow_design.files.bundles import bundle_export
from workflow_design.models import AuditChannel, WorkflowDefinition
from workflow_design.policy import Action, workflow_policy
from workflow_design.rules.dry_run import workflow_dry_run
from workflow_design.services.audit import audit_channel
from workflow_design.services.bundle_import import bundle_import
from workflow_design.services.bundle_validation import bundle_validate, workflow_lint_pointed


def _user():
    return django_request_ctx.get().user


def _workflow(workflow_id: int, action: Action = Action.VIEW) -> WorkflowDefinition:
    """A workflow the caller may see; any other id (another company's included) is not found."""
    user = _user()
    workflow = workflow_policy.instances_user_has_permission_for(user, Action.VIEW).filter(pk=workflow_id).first()
    if workflow is None:
        raise LookupError(_("No workflow %(id)s.") % {"id": workflow_id})
    workflow_policy.require(user, action, workflow)
    return workflow


def bundle_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a workflow bundle: write bundles against it."""
    return bundle_json_schema()


def list_workflows() -> list[dict[str, Any]]:
    """Your company's workflows: id, slug, title, version and status (draft, published, archived)."""
    rows = workflow_policy.instances_user_has_permission_for(_user(), Action.VIEW).order_by("slug", "version")
    return list(rows.values("id", "slug", "title", "version", "status"))


def get_workflow(workflow_id: int) -> dict[str, Any]:
    """One of your company's workflows as a bundle (tasks, transitions, ticket definitions, roles; by slug)."""
    return bundle_export(workflow=_workflow(workflow_id, Action.EXPORT))


def _company_of_new(company: str | None) -> Company | None:
    """The company a platform superuser names by slug; anyone else's choice is their own company
    (the policy decides, as for the API's `company`), so a slug is not even looked up for them."""
    user = _user()
    if not company or not user.is_superuser:
        return None
    found = Company.objects.filter(slug=company).first()
    if found is None:
        raise ValueError(_("No company %(slug)s.") % {"slug": company})
    return found


def validate_bundle(
    bundle: dict[str, Any], create_missing_roles: bool = False, company: str | None = None
) -> dict[str, Any]:
    """Everything an import of the bundle and the linter would say, at once; nothing is saved.

    Each finding has a level, a stable code, a message, a JSON Pointer into the bundle, a hint and,
    when the fix is mechanical, a JSON Patch (RFC 6902) to apply. `company` (a slug) is for
    platform superusers; anyone else validates for their own company."""
    document = read_bundle(bundle)
    target = _company_of_new(company)
    options = {"create_missing_roles": create_missing_roles, "company": target}
    return bundle_validate(user=_user(), document=document, **options).as_dict()


def lint_stored_workflow(workflow_id: int) -> dict[str, Any]:
    """The linter's findings for one of your workflows, pointing into its bundle (see get_workflow)."""
    findings = workflow_lint_pointed(_workflow(workflow_id))
    return {"ok": not any(f.is_error for f in findings), "findings": [f.as_dict() for f in findings]}


def dry_run(
    workflow_id: int,
    ticket_values: dict[str, Any] | None = None,
    workflow_values: dict[str, Any] | None = None,
    outputs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Walk one of your workflows with sample values: `outputs` maps a task slug to the output its
    worker would give (a list gives one per visit). Returns the outcome, the path and each step's
    condition checks with their reasons."""
    result = workflow_dry_run(
        workflow=_workflow(workflow_id),
        ticket_values=ticket_values or {},
        workflow_values=workflow_values or {},
        outputs=outputs or {},
    )
    return {"outcome": result.outcome, "message": result.message, "path": result.path} | {
        "steps": [dataclasses.asdict(step) for step in result.steps]
    }


def import_bundle_as_draft(
    bundle: dict[str, Any], as_new_version: bool = False, create_missing_roles: bool = False, company: str | None = None
) -> dict[str, Any]:
    """Import a bundle into your company as a draft workflow (never published: a person publishes).

    All or nothing; the answer lists what was created, or the errors with their pointers.
    `company` (a slug) is for platform superusers, and required from one without a company."""
    document = read_bundle(bundle)
    target = _company_of_new(company)
    with audit_channel(AuditChannel.MCP):
        result = bundle_import(
            user=_user(),
            document=document,
            dry_run=False,
            as_new_version=as_new_version,
            create_missing_roles=create_missing_roles,
            company=target,
        )
    return result.as_dict()


TOOLS = (
    bundle_schema,
    list_workflows,
    get_workflow,
    validate_bundle,
    lint_stored_workflow,
    dry_run,
    import_bundle_as_draft,
)


def _in_request_thread(tool):
    """The tool run where Django's ORM may run: the request's own thread (and its database
    connection and transaction), not the MCP server's event loop. Refusals become tool errors."""

    @functools.wraps(tool)
    async def run(*args, **kwargs):
        try:
            return await sync_to_async(tool)(*args, **kwargs)
        except PermissionDenied as exc:
            raise PermissionError(str(exc) or _("You may not do this.")) from None

    return run


def register(server) -> None:
    for tool in TOOLS:
        server.add_tool(_in_request_thread(tool), name=tool.__name__, description=tool.__doc__)


__all__ = ["TOOLS", "register"]
