"""Importing a BPMN 2.0 file: each process read as a bundle, then imported as any bundle is.

The reader (`files.bpmn`) turns the file into bundle documents and a fidelity report; this
service hands each document to `bundle_import` (the same checks, grants, audit and policy) in
one transaction: all processes or none. Before anything is kept, each created workflow is
linted, so a dry run shows the report, what would be created and the linter's findings at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction

from users.models import Company
from workflow_design.files.bpmn import ProcessImport, bpmn_read
from workflow_design.policy import Action, workflow_policy
from workflow_design.rules.linting import lint_workflow
from workflow_design.services.bundle_import import BundleImportResult, bundle_import


@dataclass
class BpmnProcessResult:
    process: ProcessImport
    imported: BundleImportResult
    lint: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self, *, saved: bool) -> dict[str, Any]:
        imported = self.imported.as_dict()
        if not saved and imported["saved"]:
            # Another process of the file was refused, so this one was rolled back too.
            imported.update(saved=False, workflow={**imported["workflow"], "id": None})
        return {
            "process_id": self.process.process_id,
            **imported,
            "report": [entry.as_dict() for entry in self.process.report],
            "lint": self.lint,
        }


@dataclass
class BpmnImportResult:
    dry_run: bool
    processes: list[BpmnProcessResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(process.imported.ok for process in self.processes)

    @property
    def saved(self) -> bool:
        return self.ok and not self.dry_run

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "saved": self.saved,
            "processes": [process.as_dict(saved=self.saved) for process in self.processes],
        }


def bpmn_import(
    *,
    user,
    source: bytes | IO[bytes],
    dry_run: bool,
    create_missing_roles: bool = False,
    as_new_version: bool = False,
    company: Company | None = None,
    process_id: str | None = None,
) -> BpmnImportResult:
    """Create a draft workflow for each process of the file (or the one named) in the user's company.

    Raises `UploadRefused` for a file that cannot be read and `PermissionDenied` for a user who
    may not import; every other problem is in the result, and then nothing is saved.
    """
    workflow_policy.require(user, Action.IMPORT)
    processes = bpmn_read(source, process_id=process_id)
    result = BpmnImportResult(dry_run=dry_run)
    with transaction.atomic():
        for process in processes:
            lint: list[dict[str, Any]] = []

            def lint_created(imported: BundleImportResult, found: list = lint) -> None:
                if imported.workflow is not None and imported.ok:
                    found.extend(finding.as_dict() for finding in lint_workflow(imported.workflow))

            imported = bundle_import(
                user=user,
                document=process.bundle,
                dry_run=dry_run,
                as_new_version=as_new_version,
                create_missing_roles=create_missing_roles,
                company=company,
                inspect=lint_created,
            )
            result.processes.append(BpmnProcessResult(process, imported, lint))
        if not result.ok:
            # One process refused: the ones imported before it are not kept either.
            transaction.set_rollback(True)
    return result
