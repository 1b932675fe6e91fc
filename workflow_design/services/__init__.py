"""Writes for definitions: one batch-first service per operation, which every path calls.

The admin's forms and actions, the API, per-model files, bundles (`bundle_import`), new
versions and the management commands all write through these; none writes a definition itself
(rows made another way, by `loaddata` or the ORM, get their slug from the model and their grants
from `workflow_design.signals`). Each service
takes an allow-list of writable fields (`rows.WRITABLE`), owns the editability rule and the
concurrency token (`editability`), the grants (`grants`) and the audit entry (`audit`), and
reports refusals by row and field (`rows.RowErrors`).
"""

from workflow_design.services.archive import workflow_archive
from workflow_design.services.create import definitions_create
from workflow_design.services.definitions import (
    task_create,
    task_delete,
    task_update,
    tasks_create_many,
    tasks_update_many,
    ticket_create,
    ticket_delete,
    ticket_update,
    transition_create,
    transition_delete,
    transition_update,
    transitions_create_many,
    transitions_update_many,
    workflow_create,
    workflow_delete,
    workflow_update,
)
from workflow_design.services.delete import definitions_delete
from workflow_design.services.grants import definitions_grant_company_access
from workflow_design.services.new_version import workflow_new_version
from workflow_design.services.publish import LintRefused, workflow_publish
from workflow_design.services.rows import WRITABLE, RowErrors
from workflow_design.services.update import definitions_update
from workflow_design.services.versions import workflow_other_versions

__all__ = [
    "WRITABLE",
    "LintRefused",
    "RowErrors",
    "definitions_create",
    "definitions_delete",
    "definitions_grant_company_access",
    "definitions_update",
    "task_create",
    "task_delete",
    "task_update",
    "tasks_create_many",
    "tasks_update_many",
    "ticket_create",
    "ticket_delete",
    "ticket_update",
    "transition_create",
    "transition_delete",
    "transition_update",
    "transitions_create_many",
    "transitions_update_many",
    "workflow_archive",
    "workflow_create",
    "workflow_delete",
    "workflow_new_version",
    "workflow_other_versions",
    "workflow_publish",
    "workflow_update",
]
