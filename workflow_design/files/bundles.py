"""Workflow bundles: one JSON document that holds a whole workflow, by slug.

A bundle carries the workflow, its tasks, its transitions, the ticket definitions that use it
and the company roles they name. It carries no database ids, no company and no user, so it can
move between companies and servers. `bundle_export` writes one, `bundle_import` reads one into
the importing user's company through the same services as the admin, in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils.translation import gettext as _

from users import access as user_access
from users.models import Company, CompanyRole
from users.services import company_role_create
from workflow_design import access, services
from workflow_design.models import TaskDefinition, WorkflowDefinition

BUNDLE_FORMAT = "ticketflower.workflow-bundle"
BUNDLE_FORMAT_VERSION = 1

# The keys of each part of a bundle. They are the model field names; references are slugs.
WORKFLOW_KEYS = ("slug", "title", "description", "ext_ref", "fields", "display_layout")
TASK_KEYS = (
    "slug",
    "title",
    "description",
    "task_type",
    "position",
    "assignee_role",
    "input_schema",
    "output_schema",
)
TRANSITION_KEYS = ("slug", "from_task", "to_task", "condition", "priority")
TICKET_KEYS = (
    "slug",
    "title",
    "description",
    "ext_ref",
    "fields",
    "company_role_access",
    "edit_layout",
    "display_layout",
)
ROLE_KEYS = ("slug", "name")
TOP_KEYS = ("format", "format_version", "workflow", "tasks", "transitions", "tickets", "roles")

# Keys whose value is text; the rest are JSON values (lists) or integers, checked by the model.
_TEXT_KEYS = {"slug", "title", "description", "task_type", "condition", "name"}
_INT_KEYS = {"position", "priority"}
_REFERENCE_KEYS = {"assignee_role", "from_task", "to_task"}


def of_company(*, visible: QuerySet, company: Company) -> QuerySet:
    """The rows of `visible` (an access-layer queryset) that belong to `company`, the target of
    an import. For a creator this narrows nothing (they see only their own company); for a
    superuser, whose view spans every company, it picks the one they import into."""
    return visible.filter(company=company)


# Export --------------------------------------------------------------------------------


def bundle_export(*, workflow: WorkflowDefinition) -> dict[str, Any]:
    """The bundle of one workflow. The caller has read the workflow through the access layer."""
    tasks = list(workflow.tasks.select_related("assignee_role").order_by("position", "slug"))
    transitions = list(workflow.transitions.select_related("from_task", "to_task").order_by("slug"))
    tickets = list(workflow.ticket_definitions.order_by("slug", "version"))

    role_slugs = {task.assignee_role.slug for task in tasks if task.assignee_role_id}
    for ticket in tickets:
        role_slugs.update(slug for slug in ticket.company_role_access or [] if isinstance(slug, str))
    roles = user_access.company_roles_of(workflow.company_id).filter(slug__in=role_slugs).order_by("slug")

    return {
        "format": BUNDLE_FORMAT,
        "format_version": BUNDLE_FORMAT_VERSION,
        "workflow": {key: getattr(workflow, key) for key in WORKFLOW_KEYS},
        "tasks": [
            {
                **{key: getattr(task, key) for key in TASK_KEYS if key != "assignee_role"},
                "assignee_role": task.assignee_role.slug if task.assignee_role_id else None,
            }
            for task in tasks
        ],
        "transitions": [
            {
                "slug": transition.slug,
                "from_task": transition.from_task.slug if transition.from_task_id else None,
                "to_task": transition.to_task.slug if transition.to_task_id else None,
                "condition": transition.condition,
                "priority": transition.priority,
            }
            for transition in transitions
        ],
        "tickets": [{key: getattr(ticket, key) for key in TICKET_KEYS} for ticket in tickets],
        "roles": [{"slug": role.slug, "name": role.name} for role in roles],
    }


def bundle_dumps(document: dict[str, Any]) -> str:
    """The canonical text of a bundle: sorted keys, two-space indent, UTF-8 characters kept."""
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def bundle_filename(workflow: WorkflowDefinition) -> str:
    return f"{workflow.slug}-v{workflow.version}.workflow-bundle.json"


# Import --------------------------------------------------------------------------------


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


class _Refused(Exception):
    """The document cannot be imported at all; the errors are already in the result."""


def _check_part(result: BundleImportResult, path: str, value: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    """Type checks of one entry (parsing only: the model checks the values themselves)."""
    if not isinstance(value, dict):
        result.error(path, _("Expected an object with the keys %(keys)s.") % {"keys": ", ".join(keys)})
        return {}
    for key in sorted(set(value) - set(keys)):
        result.error(f"{path}.{key}", _("Unknown key. Allowed keys: %(keys)s.") % {"keys": ", ".join(keys)})
    if not isinstance(value.get("slug"), str) or not value.get("slug"):
        result.error(f"{path}.slug", _("A slug (text) is required."))
    for key, item in value.items():
        if key not in keys or key == "slug":
            continue
        if key in _TEXT_KEYS and not isinstance(item, str):
            result.error(f"{path}.{key}", _("Expected text."))
        elif key in _INT_KEYS and (not isinstance(item, int) or isinstance(item, bool)):
            result.error(f"{path}.{key}", _("Expected a whole number."))
        elif key in _REFERENCE_KEYS and item is not None and not isinstance(item, str):
            result.error(f"{path}.{key}", _("Expected a slug (text) or null."))
    return {key: item for key, item in value.items() if key in keys}


def _check_list(result: BundleImportResult, document: dict, name: str, keys: tuple[str, ...]) -> list[dict]:
    value = document.get(name, [])
    if not isinstance(value, list):
        result.error(name, _("Expected a list."))
        return []
    return [_check_part(result, f"{name}[{i}]", entry, keys) for i, entry in enumerate(value)]


def _parse_document(result: BundleImportResult, document: Any) -> dict[str, Any]:
    if not isinstance(document, dict):
        result.error("", _("A workflow bundle is a JSON object."))
        raise _Refused
    if document.get("format") != BUNDLE_FORMAT:
        result.error("format", _('This is not a workflow bundle: "format" must be "%(f)s".') % {"f": BUNDLE_FORMAT})
        raise _Refused
    version = document.get("format_version")
    if version != BUNDLE_FORMAT_VERSION or isinstance(version, bool):
        result.error(
            "format_version",
            _("Bundle format version %(got)s is not supported; this server reads version %(want)d.")
            % {"got": json.dumps(version), "want": BUNDLE_FORMAT_VERSION},
        )
        raise _Refused
    for key in sorted(set(document) - set(TOP_KEYS)):
        result.error(key, _("Unknown key. Allowed keys: %(keys)s.") % {"keys": ", ".join(TOP_KEYS)})
    parsed = {
        "workflow": _check_part(result, "workflow", document.get("workflow"), WORKFLOW_KEYS),
        "tasks": _check_list(result, document, "tasks", TASK_KEYS),
        "transitions": _check_list(result, document, "transitions", TRANSITION_KEYS),
        "tickets": _check_list(result, document, "tickets", TICKET_KEYS),
        "roles": _check_list(result, document, "roles", ROLE_KEYS),
    }
    if result.errors:
        raise _Refused
    return parsed


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
    from django.contrib.auth import get_user_model

    return get_user_model()._default_manager.select_related("company").get(pk=user.pk)


def _resolve_company(user, company: Company | None) -> Company:
    if not access.can_design_via_api(user):
        raise PermissionDenied(_("Only workflow creators may import workflows."))
    if not user.has_perm("workflow_design.import_workflowdefinition"):
        raise PermissionDenied(_("You do not have permission to import workflows."))
    if user.is_superuser:
        target = company or user.company
        if target is None:
            raise ValidationError(_("Choose the company to import into."))
        return target
    if company is not None and company.pk != user.company_id:
        # Another company is never a target, and is not even acknowledged as existing.
        raise PermissionDenied(_("You can import only into your own company."))
    return access.company_for_new_definition(user)


def bundle_import(
    *,
    user,
    document: dict,
    dry_run: bool,
    as_new_version: bool = False,
    create_missing_roles: bool = False,
    company: Company | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> BundleImportResult:
    """Create the bundle's workflow (a draft) with its parts in the user's company.

    All or nothing: any error rolls everything back, and a dry run always does. `company` is
    for superusers (and the command line) only; everyone else imports into their own company.
    `progress(part, done, total)` is called after each task, transition and ticket.
    """
    result = BundleImportResult(dry_run=dry_run, as_new_version=as_new_version)
    try:
        parsed = _parse_document(result, document)
    except _Refused:
        return result
    user = _importer_as_stored(user)
    target = _resolve_company(user, company)

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


__all__ = [
    "BUNDLE_FORMAT",
    "BUNDLE_FORMAT_VERSION",
    "BundleImportResult",
    "bundle_dumps",
    "bundle_export",
    "bundle_filename",
    "bundle_import",
]
