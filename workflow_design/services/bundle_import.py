"""Importing a workflow bundle: the workflow, its parts, its ticket definitions and roles, at once.

The document is checked by `files.bundles.bundle_parse`; every row is then written through the
same services as the admin's and the API's, in one transaction, all or nothing. The policy
decides who may import and which company the new definitions go to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from users import access as user_access
from users.models import Company, CompanyRole
from users.services import company_role_create
from workflow_design import access, services
from workflow_design.files.bundles import bundle_parse, of_company
from workflow_design.models import TaskDefinition, WorkflowDefinition
from workflow_design.policy import Action, workflow_policy


@dataclass
class BundleImportResult:
    """What an import would do (dry run) or did; `errors` empty means it went (or would go) through."""

    dry_run: bool
    as_new_version: bool = False
    workflow_slug: str = ""
    workflow_title: str = ""
    workflow_version: int | None = None
    created_tasks: list[str] = field(default_factory=list)
    created_transitions: list[str] = field(default_factory=list)
    created_tickets: list[str] = field(default_factory=list)
    created_roles: list[str] = field(default_factory=list)
    clashes: list[dict[str, Any]] = field(default_factory=list)
    missing_roles: list[str] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    workflow: WorkflowDefinition | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def saved(self) -> bool:
        return self.ok and not self.dry_run

    def error(self, path: str, message: str) -> None:
        self.errors.append({"path": path, "message": str(message)})

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "saved": self.saved,
            "as_new_version": self.as_new_version,
            "workflow": {
                "slug": self.workflow_slug,
                "title": self.workflow_title,
                "version": self.workflow_version,
                "id": self.workflow.pk if self.saved and self.workflow is not None else None,
            },
            "created": {
                "tasks": list(self.created_tasks),
                "transitions": list(self.created_transitions),
                "tickets": list(self.created_tickets),
                "roles": list(self.created_roles),
            },
            "clashes": [dict(clash) for clash in self.clashes],
            "missing_roles": list(self.missing_roles),
            "errors": [dict(error) for error in self.errors],
        }


def _add_validation_errors(result: BundleImportResult, path: str, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, messages in exc.message_dict.items():
            where = path if name == "__all__" else f"{path}.{name}"
            for message in messages:
                result.error(where, message)
    else:
        for message in exc.messages:
            result.error(path, message)


def _importer_as_stored(user):
    """The importing user read afresh, with their company: their roles and permissions are the
    ones stored now, not whatever an earlier check cached on the caller's object (a command or a
    client holding one user object across imports). It also makes an import cost the same
    queries whatever the caller's object had cached: four for the rights, then only what the
    bundle's size does not change."""
    if not getattr(user, "pk", None):
        return user
    return get_user_model()._default_manager.select_related("company").get(pk=user.pk)


def bundle_import(
    *,
    user,
    document: Any,
    dry_run: bool,
    as_new_version: bool = False,
    create_missing_roles: bool = False,
    company: Company | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> BundleImportResult:
    """Create the bundle's workflow (a draft) with its parts in the user's company.

    All or nothing: any error rolls everything back, and a dry run always does. The policy
    decides who may import and into which company: `company` is for superusers (and the command
    line's operator); anyone else naming another company is refused (`PermissionDenied`).
    `progress(part, done, total)` is called after each task, transition and ticket.
    """
    user = _importer_as_stored(user)
    workflow_policy.require(user, Action.IMPORT)
    target = workflow_policy.company_for_new(user, company)
    result = BundleImportResult(dry_run=dry_run, as_new_version=as_new_version)
    parsed, result.errors = bundle_parse(document)
    if parsed is None:
        return result

    with transaction.atomic():
        try:
            _import_parsed(result, user, target, parsed, as_new_version, create_missing_roles, progress)
        except IntegrityError:
            # Two imports of the same bundle at the same moment: the database lets one through.
            result.error(
                "workflow.slug",
                _("Someone else created this workflow at the same moment; reload and import again."),
            )
        if dry_run or result.errors:
            transaction.set_rollback(True)
    if not result.saved:
        result.workflow = None
    return result


def _import_parsed(
    result: BundleImportResult,
    user,
    company: Company,
    parsed: dict[str, Any],
    as_new_version: bool,
    create_missing_roles: bool,
    progress: Callable[[str, int, int], None] | None = None,
) -> None:
    def report(part: str, done: int) -> None:
        if progress is not None:
            progress(part, done, len(parsed[part]))

    wf_data = dict(parsed["workflow"])
    result.workflow_slug = wf_data.get("slug", "")
    result.workflow_title = wf_data.get("title", "")

    # Batch existence checks: one query per kind, read through the access layer.
    workflows = of_company(visible=access.workflows_for(user), company=company).filter(slug=result.workflow_slug)
    wf_latest = workflows.aggregate(latest=Max("version"))["latest"]
    ticket_slugs = [t["slug"] for t in parsed["tickets"]]
    ticket_latest = dict(
        of_company(visible=access.tickets_for(user), company=company)
        .filter(slug__in=ticket_slugs)
        .values("slug")
        .annotate(latest=Max("version"))
        .values_list("slug", "latest")
    )
    if wf_latest is not None:
        result.clashes.append({"kind": "workflow", "slug": result.workflow_slug, "latest_version": wf_latest})
    for slug in sorted(ticket_latest):
        result.clashes.append({"kind": "ticket", "slug": slug, "latest_version": ticket_latest[slug]})
    if result.clashes and not as_new_version:
        for clash in result.clashes:
            path = (
                "workflow.slug" if clash["kind"] == "workflow" else f"tickets[{ticket_slugs.index(clash['slug'])}].slug"
            )
            result.error(
                path,
                _('Your company already has "%(slug)s" (latest version %(v)d); import it as the next version instead.')
                % {"slug": clash["slug"], "v": clash["latest_version"]},
            )
        return

    roles = _ensure_roles(result, user, company, parsed, create_missing_roles)

    result.workflow_version = (wf_latest or 0) + 1
    wf_data["version"] = result.workflow_version
    try:
        workflow = services.workflow_create(user=user, company=company, **wf_data)
    except ValidationError as exc:
        _add_validation_errors(result, "workflow", exc)
        return
    result.workflow = workflow

    # Tasks first, so the transition checks (task references, conditions over outputs) see them.
    # All tasks are validated row by row and saved in one batch (constant queries).
    tasks: dict[str, TaskDefinition] = {}
    task_rows: list[tuple[int, dict[str, Any]]] = []
    for i, data in enumerate(parsed["tasks"]):
        data = dict(data)
        role_slug = data.pop("assignee_role", None)
        if role_slug:
            if role_slug not in roles:
                result.error(
                    f"tasks[{i}].assignee_role",
                    _('Your company has no role "%(slug)s"; create it or let the import create it.')
                    % {"slug": role_slug},
                )
                continue
            data["assignee_role"] = roles[role_slug]
        task_rows.append((i, data))
    if task_rows:
        try:
            created = services.tasks_create_many(user=user, workflow=workflow, rows=[d for _, d in task_rows])
        except services.RowErrors as exc:
            for position, error in exc.rows.items():
                _add_validation_errors(result, f"tasks[{task_rows[position][0]}]", error)
            return
        for task in created:
            tasks[task.slug] = task
            result.created_tasks.append(task.slug)
        report("tasks", len(parsed["tasks"]))

    # Ticket definitions before transitions: conditions over ticket.* are checked against them.
    for i, data in enumerate(parsed["tickets"]):
        data = dict(data)
        data["version"] = ticket_latest.get(data["slug"], 0) + 1
        try:
            ticket = services.ticket_create(user=user, company=company, workflow=workflow, **data)
        except ValidationError as exc:
            _add_validation_errors(result, f"tickets[{i}]", exc)
            continue
        result.created_tickets.append(ticket.slug)
        report("tickets", i + 1)

    bundle_task_slugs = {t["slug"] for t in parsed["tasks"]}
    transition_rows: list[tuple[int, dict[str, Any]]] = []
    for i, data in enumerate(parsed["transitions"]):
        data = dict(data)
        skip = False
        for end in ("from_task", "to_task"):
            slug = data.get(end)
            if not slug:
                data[end] = None
            elif slug in tasks:
                data[end] = tasks[slug]
            else:
                skip = True
                if slug not in bundle_task_slugs:
                    result.error(
                        f"transitions[{i}].{end}",
                        _('No task "%(slug)s" in this bundle.') % {"slug": slug},
                    )
        if not skip:  # a task it names failed; that error is already reported
            transition_rows.append((i, data))
    if transition_rows and not result.errors:
        try:
            created = services.transitions_create_many(
                user=user, workflow=workflow, rows=[d for _, d in transition_rows]
            )
        except services.RowErrors as exc:
            for position, error in exc.rows.items():
                _add_validation_errors(result, f"transitions[{transition_rows[position][0]}]", error)
            return
        result.created_transitions.extend(t.slug for t in created)
        report("transitions", len(parsed["transitions"]))


def _ensure_roles(
    result: BundleImportResult, user, company: Company, parsed: dict[str, Any], create_missing: bool
) -> dict[str, CompanyRole]:
    """The company roles the bundle names, matched by slug; missing ones listed or created."""
    wanted: set[str] = {t["assignee_role"] for t in parsed["tasks"] if t.get("assignee_role")}
    for ticket in parsed["tickets"]:
        access_list = ticket.get("company_role_access") or []
        if isinstance(access_list, list):
            wanted.update(slug for slug in access_list if isinstance(slug, str))
    roles = {
        role.slug: role for role in user_access.company_roles_visible_to(user).filter(company=company, slug__in=wanted)
    }
    result.missing_roles = sorted(wanted - set(roles))
    if not create_missing:
        return roles
    names = {r["slug"]: r.get("name") or r["slug"] for r in parsed["roles"]}
    for slug in result.missing_roles:
        try:
            roles[slug] = company_role_create(company=company, name=names.get(slug, slug)[:120], slug=slug)
        except ValidationError as exc:
            _add_validation_errors(result, f"roles[{slug}]", exc)
            continue
        result.created_roles.append(slug)
    return roles


__all__ = ["BundleImportResult", "bundle_import"]
