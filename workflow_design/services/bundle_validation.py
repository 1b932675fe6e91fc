"""Validating a bundle: everything the import and the linter would say about it, at once, nothing saved.

The bundle goes through the import itself (`bundle_import`, going on past each group of errors,
always rolled back) and the created workflow through the linter before the rollback, so a
validation says exactly what an import and a publish would. Every finding points into the
submitted document (`rules.finding_pointers`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from users.models import Company
from workflow_design.files.bundles import bundle_export
from workflow_design.models import WorkflowDefinition
from workflow_design.rules import finding_pointers as pointing
from workflow_design.rules.finding_pointers import document_error, point_findings
from workflow_design.rules.linting import ERROR, WARNING, Finding, lint_workflow
from workflow_design.services.bundle_import import BundleImportResult, bundle_import

IMPORT = "import"
LINT = "lint"


@dataclass
class BundleValidation:
    """The findings of one bundle, each with its source (`import` or `lint`), level, code,
    message, pointer, hint and, for a mechanical fix, a patch."""

    findings: list[dict[str, Any]] = field(default_factory=list)
    imported: BundleImportResult | None = None

    @property
    def errors(self) -> int:
        return sum(1 for finding in self.findings if finding["level"] == ERROR)

    @property
    def ok(self) -> bool:
        return self.errors == 0

    def as_dict(self) -> dict[str, Any]:
        summary = self.imported.as_dict() if self.imported is not None else {}
        return {
            "ok": self.ok,
            "saved": False,
            "errors": self.errors,
            "warnings": len(self.findings) - self.errors,
            "findings": [dict(finding) for finding in self.findings],
            "workflow": summary.get("workflow"),
            "would_create": summary.get("created"),
            "missing_roles": summary.get("missing_roles", []),
        }


def _roles_not_in_bundle(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Roles the tasks and ticket definitions name that the bundle's `roles` does not list: another
    company importing it could not create them. The patch lists each."""
    listed = {role.get("slug") for role in document.get("roles") or [] if isinstance(role, dict)}
    named: list[tuple[str, str]] = []
    for index, task in enumerate(document.get("tasks") or []):
        if isinstance(task, dict) and isinstance(task.get("assignee_role"), str) and task["assignee_role"]:
            named.append((task["assignee_role"], f"tasks[{index}].assignee_role"))
    for index, ticket in enumerate(document.get("tickets") or []):
        access = ticket.get("company_role_access") if isinstance(ticket, dict) else None
        for slug in access if isinstance(access, list) else []:
            if isinstance(slug, str):
                named.append((slug, f"tickets[{index}].company_role_access"))
    warnings = []
    for slug, path in named:
        if slug in listed:
            continue
        listed.add(slug)
        entry = {"slug": slug, "name": slug}
        patch = (
            [{"op": "add", "path": "/roles/-", "value": entry}]
            if isinstance(document.get("roles"), list)
            else [{"op": "add", "path": "/roles", "value": [entry]}]
        )
        warning = document_error(
            path,
            _('The role "%(slug)s" is named here but not listed under roles.') % {"slug": slug},
            pointing.ROLE_NOT_IN_BUNDLE,
            patch,
        )
        warnings.append({"level": WARNING, "source": IMPORT, **warning})
    return warnings


def _as_renamed(document: dict[str, Any], errors: list[dict[str, Any]]) -> dict[str, Any]:
    """The document as the validation imported it: clashing slugs under their suggested free ones
    (the entries keep their places, so pointers into it point into the submitted document)."""
    renamed = copy.deepcopy(document)
    for error in errors:
        if error["code"] == pointing.SLUG_CLASH and error.get("patch"):
            for operation in error["patch"]:
                *parents, key = operation["path"].split("/")[1:]
                node: Any = renamed
                for step in parents:
                    node = node[int(step)] if isinstance(node, list) else node[step]
                node[key] = operation["value"]
    return renamed


def workflow_lint_pointed(workflow: WorkflowDefinition) -> list[Finding]:
    """The linter's findings of a stored workflow, pointing into its bundle (as exported)."""
    return point_findings(lint_workflow(workflow), bundle_export(workflow=workflow))


def bundle_validate(
    *, user, document: Any, create_missing_roles: bool = False, company: Company | None = None
) -> BundleValidation:
    """Everything an import of `document` into the user's company (or `company`, for a superuser)
    and the linter of the workflow it creates would say. Nothing is saved. The policy decides as
    for an import (`PermissionDenied`)."""
    validation = BundleValidation()

    def lint_created(result: BundleImportResult) -> None:
        if result.workflow is None:
            return
        renamed = _as_renamed(result.document, result.errors)
        for finding in point_findings(lint_workflow(result.workflow), renamed):
            validation.findings.append({"source": LINT, **finding.as_dict(), "pointer": finding.pointer})

    imported = bundle_import(
        user=user,
        document=document,
        dry_run=True,
        create_missing_roles=create_missing_roles,
        company=company,
        keep_going=True,
        inspect=lint_created,
    )
    validation.imported = imported
    import_findings = [{"level": ERROR, "source": IMPORT, **error} for error in imported.errors]
    if isinstance(document, dict):
        import_findings.extend(_roles_not_in_bundle(document))
    validation.findings[:0] = import_findings
    return validation


__all__ = ["BundleValidation", "bundle_validate", "workflow_lint_pointed"]
