"""Importing a workflow bundle: the workflow, its parts, its ticket definitions and roles, at once.

The document is checked by `files.bundles.bundle_parse`; every row is then written through the
same services as the admin's and the API's, in one transaction, all or nothing. The policy
decides who may import and which company the new definitions go to.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from users import access as user_access
from users.models import Company, CompanyRole
from users.services import company_role_create
from workflow_design import access, services
from workflow_design.files.bundles import bundle_parse, of_company
from workflow_design.models import TaskDefinition, WorkflowDefinition
from workflow_design.policy import Action, workflow_policy
from workflow_design.rules import finding_pointers as pointing
from workflow_design.rules.finding_pointers import document_error, free_slug_in


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
    errors: list[dict[str, Any]] = field(default_factory=list)
    workflow: WorkflowDefinition | None = None
    # The submitted document, for the patches that suggest fixes to it.
    document: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def saved(self) -> bool:
        return self.ok and not self.dry_run

    def error(
        self, path: str, message: str, code: str = pointing.INVALID_VALUE, patch: list[dict[str, Any]] | None = None
    ) -> None:
        self.errors.append(document_error(path, message, code, patch))

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


def _slug_clash_patch(
    result: BundleImportResult, path: str, taken: set[str] = frozenset()
) -> list[dict[str, Any]] | None:
    """Rename the entry at `path` (`tasks[2]`, `workflow`) to a slug neither its list nor `taken` has."""
    where = pointing.pointer_of_path(path)
    name, *index = where.split("/")[1:]
    if name != "workflow" and not index:
        return None
    entry = result.document[name][int(index[0])] if index else result.document[name]
    slug = free_slug_in(result.document, name, entry["slug"], taken=taken)
    return [{"op": "replace", "path": f"{where}/slug", "value": slug}]


def _add_validation_errors(result: BundleImportResult, path: str, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            result.error(path, message)
        return
    for name, errors in exc.error_dict.items():
        where = path if name == "__all__" else f"{path}.{name}"
        for error in errors:
            message = " ".join(error.messages)
            if name == "slug" and error.code == "unique":
                result.error(where, message, pointing.SLUG_CLASH, _slug_clash_patch(result, path))
            else:
                result.error(where, message)


def _closest(slug: str, candidates) -> str | None:
    """The one-word fix of a misspelt reference, when one candidate is close."""
    match = difflib.get_close_matches(slug, sorted(candidates), n=1)
    return match[0] if match else None


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
    keep_going: bool = False,
    inspect: Callable[[BundleImportResult], None] | None = None,
) -> BundleImportResult:
    """Create the bundle's workflow (a draft) with its parts in the user's company.

    All or nothing: any error rolls everything back, and a dry run always does. The policy
    decides who may import and into which company: `company` is for superusers (and the command
    line's operator); anyone else naming another company is refused (`PermissionDenied`).
    `progress(part, done, total)` is called after each task, transition and ticket.

    For a validation (always a dry run): `keep_going` goes past each group of errors, importing
    what can be (a clashing slug under the free slug its patch suggests), so every error is
    reported at once; `inspect(result)` is called before the rollback, with what was created.
    """
    user = _importer_as_stored(user)
    workflow_policy.require(user, Action.IMPORT)
    target = workflow_policy.company_for_new(user, company)
    result = BundleImportResult(dry_run=dry_run or keep_going, as_new_version=as_new_version)
    result.document = document if isinstance(document, dict) else {}
    parsed, result.errors = bundle_parse(document)
    if parsed is None or (result.errors and not keep_going):
        return result

    with transaction.atomic():
        try:
            _Import(result, user, target, parsed, create_missing_roles, keep_going, progress).run()
        except IntegrityError:
            # Two imports of the same bundle at the same moment: the database lets one through.
            result.error(
                "workflow.slug",
                _("Someone else created this workflow at the same moment; reload and import again."),
                pointing.CONCURRENT_IMPORT,
            )
        if inspect is not None:
            inspect(result)
        if result.dry_run or result.errors:
            transaction.set_rollback(True)
    if not result.saved:
        result.workflow = None
    return result


class _Import:
    """One import's steps, in the order the checks need: clashes, roles, the workflow, tasks,
    ticket definitions (conditions over ticket.* are checked against them), transitions."""

    def __init__(self, result, user, company, parsed, create_missing_roles, keep_going, progress) -> None:
        self.result = result
        self.user = user
        self.company = company
        self.parsed = parsed
        self.create_missing_roles = create_missing_roles
        self.keep_going = keep_going
        self.progress = progress
        self.tasks: dict[str, TaskDefinition] = {}
        self.workflow: WorkflowDefinition | None = None

    def report(self, part: str, done: int) -> None:
        if self.progress is not None:
            self.progress(part, done, len(self.parsed[part]))

    def run(self) -> None:
        result = self.result
        wf_data = dict(self.parsed["workflow"])
        result.workflow_slug = wf_data.get("slug", "")
        result.workflow_title = wf_data.get("title", "")
        wf_latest, ticket_latest = self.find_clashes()
        if result.clashes and not result.as_new_version:
            renamed = self.refuse_clashes()
            if not self.keep_going:
                return
            wf_data["slug"] = renamed.get("workflow", wf_data.get("slug", ""))
            wf_latest = None if "workflow" in renamed else wf_latest

        self.roles = _ensure_roles(result, self.user, self.company, self.parsed, self.create_missing_roles)
        result.workflow_version = (wf_latest or 0) + 1
        wf_data["version"] = result.workflow_version
        try:
            self.workflow = services.workflow_create(user=self.user, company=self.company, **wf_data)
        except ValidationError as exc:
            _add_validation_errors(result, "workflow", exc)
            return
        result.workflow = self.workflow
        if not self.create_tasks() and not self.keep_going:
            return
        self.create_tickets(ticket_latest)
        self.create_transitions()

    def find_clashes(self) -> tuple[int | None, dict[str, int]]:
        """The latest stored versions of the bundle's workflow and ticket slugs (one query each,
        through the access layer), recorded as clashes."""
        result = self.result
        workflows = of_company(visible=access.workflows_for(self.user), company=self.company)
        wf_latest = workflows.filter(slug=result.workflow_slug).aggregate(latest=Max("version"))["latest"]
        ticket_slugs = [t.get("slug", "") for t in self.parsed["tickets"]]
        ticket_latest = dict(
            of_company(visible=access.tickets_for(self.user), company=self.company)
            .filter(slug__in=ticket_slugs)
            .values("slug")
            .annotate(latest=Max("version"))
            .values_list("slug", "latest")
        )
        if wf_latest is not None:
            result.clashes.append({"kind": "workflow", "slug": result.workflow_slug, "latest_version": wf_latest})
        for slug in sorted(ticket_latest):
            result.clashes.append({"kind": "ticket", "slug": slug, "latest_version": ticket_latest[slug]})
        return wf_latest, ticket_latest

    def refuse_clashes(self) -> dict[str, str]:
        """An error per clash, each with the patch renaming it to a slug the company does not use
        (one query per kind); the free slugs chosen, by the clashing entry (`workflow`, `tickets[0]`)."""
        ticket_slugs = [t.get("slug", "") for t in self.parsed["tickets"]]
        taken = {
            kind: self.slugs_like(visible, [c["slug"] for c in self.result.clashes if c["kind"] == kind])
            for kind, visible in (("workflow", access.workflows_for), ("ticket", access.tickets_for))
        }
        renamed: dict[str, str] = {}
        for clash in self.result.clashes:
            kind = clash["kind"]
            entry = "workflow" if kind == "workflow" else f"tickets[{ticket_slugs.index(clash['slug'])}]"
            patch = _slug_clash_patch(self.result, entry, taken[kind])
            renamed[entry] = patch[0]["value"]
            self.result.error(
                f"{entry}.slug",
                _('Your company already has "%(slug)s" (latest version %(v)d); import it as the next version instead.')
                % {"slug": clash["slug"], "v": clash["latest_version"]},
                pointing.SLUG_CLASH,
                patch,
            )
        self.renamed_tickets = {key: value for key, value in renamed.items() if key != "workflow"}
        return renamed

    def slugs_like(self, visible, slugs: list[str]) -> set[str]:
        """The company's slugs that start like any of `slugs` (the candidates of a free slug)."""
        if not slugs:
            return set()
        like = Q()
        for slug in slugs:
            like |= Q(slug__startswith=slug)
        rows = of_company(visible=visible(self.user), company=self.company).filter(like)
        return set(rows.values_list("slug", flat=True))

    def create_tasks(self) -> bool:
        """All tasks validated row by row and saved in one batch (constant queries); when going
        on past errors, the rows without one are saved so the transitions can be checked."""
        task_rows: list[tuple[int, dict[str, Any]]] = []
        role_slugs = None
        for i, data in enumerate(self.parsed["tasks"]):
            data = dict(data)
            role_slug = data.pop("assignee_role", None)
            if role_slug and role_slug not in self.roles:
                if role_slugs is None:  # read only when a role is missing
                    role_slugs = set(
                        user_access.company_roles_visible_to(self.user)
                        .filter(company=self.company)
                        .values_list("slug", flat=True)
                    )
                closest = _closest(role_slug, role_slugs)
                self.result.error(
                    f"tasks[{i}].assignee_role",
                    _('Your company has no role "%(slug)s"; create it or let the import create it.')
                    % {"slug": role_slug},
                    pointing.MISSING_ROLE,
                    [{"op": "replace", "path": pointing.pointer("tasks", i, "assignee_role"), "value": closest}]
                    if closest
                    else None,
                )
                if not self.keep_going:
                    continue
                role_slug = None
            if role_slug:
                data["assignee_role"] = self.roles[role_slug]
            task_rows.append((i, data))
        created = self.create_rows(services.tasks_create_many, "tasks", task_rows)
        if created is None:
            return False
        for task in created:
            self.tasks[task.slug] = task
            self.result.created_tasks.append(task.slug)
        self.report("tasks", len(self.parsed["tasks"]))
        return True

    def create_rows(self, create_many, part: str, rows: list[tuple[int, dict[str, Any]]]) -> list | None:
        """Save a batch of parts; None on errors (reported at each row), unless going on, when the
        rows without an error are saved and returned."""
        if not rows:
            return []
        try:
            return create_many(user=self.user, workflow=self.workflow, rows=[data for _, data in rows])
        except services.RowErrors as exc:
            for position, error in exc.rows.items():
                _add_validation_errors(self.result, f"{part}[{rows[position][0]}]", error)
            if not self.keep_going:
                return None
            sound = [row for position, row in enumerate(rows) if position not in exc.rows]
            return self.create_rows(create_many, part, sound)

    def create_tickets(self, ticket_latest: dict[str, int]) -> None:
        renamed = getattr(self, "renamed_tickets", {})
        for i, data in enumerate(self.parsed["tickets"]):
            data = dict(data)
            if f"tickets[{i}]" in renamed:
                data["slug"] = renamed[f"tickets[{i}]"]
            data["version"] = ticket_latest.get(data.get("slug", ""), 0) + 1
            try:
                ticket = services.ticket_create(user=self.user, company=self.company, workflow=self.workflow, **data)
            except ValidationError as exc:
                _add_validation_errors(self.result, f"tickets[{i}]", exc)
                continue
            self.result.created_tickets.append(ticket.slug)
            self.report("tickets", i + 1)

    def create_transitions(self) -> None:
        bundle_task_slugs = {t.get("slug") for t in self.parsed["tasks"]}
        transition_rows: list[tuple[int, dict[str, Any]]] = []
        for i, data in enumerate(self.parsed["transitions"]):
            data = dict(data)
            skip = False
            for end in ("from_task", "to_task"):
                slug = data.get(end)
                if not slug:
                    data[end] = None
                elif slug in self.tasks:
                    data[end] = self.tasks[slug]
                else:
                    skip = True
                    if slug not in bundle_task_slugs:
                        closest = _closest(slug, bundle_task_slugs - {None})
                        self.result.error(
                            f"transitions[{i}].{end}",
                            _('No task "%(slug)s" in this bundle.') % {"slug": slug},
                            pointing.UNKNOWN_TASK,
                            [{"op": "replace", "path": pointing.pointer("transitions", i, end), "value": closest}]
                            if closest
                            else None,
                        )
            if not skip:  # a task it names failed; that error is already reported
                transition_rows.append((i, data))
        if self.result.errors and not self.keep_going:
            return
        created = self.create_rows(services.transitions_create_many, "transitions", transition_rows)
        if created:
            self.result.created_transitions.extend(t.slug for t in created)
            self.report("transitions", len(self.parsed["transitions"]))


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
    names = {r["slug"]: r.get("name") or r["slug"] for r in parsed["roles"] if r.get("slug")}
    for slug in result.missing_roles:
        try:
            roles[slug] = company_role_create(company=company, name=names.get(slug, slug)[:120], slug=slug)
        except ValidationError as exc:
            index = next((i for i, r in enumerate(parsed["roles"]) if r.get("slug") == slug), None)
            _add_validation_errors(result, "roles" if index is None else f"roles[{index}]", exc)
            continue
        result.created_roles.append(slug)
    return roles


__all__ = ["BundleImportResult", "bundle_import"]
