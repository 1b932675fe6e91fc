"""Checks while the creator types: the workflow page's unsaved state, linted and drawn, nothing saved.

The page sends what it holds (the workflow's own fields, every task and transition row, new
ones and ones marked for deletion included) as JSON, debounced (`designer.js`). The state is
read into the plain rows the linter and the diagram read from the database (`rules.linting`,
`rules.diagram`), so the same rules run on it; nothing is written. Each finding names the
row (`tasks-3`, `transitions-7`) and, where one field is at fault, the field, so the page puts
it beside that field; the diagram comes back drawn from the same rows.

Reading a row's typed values (a number, a task named by slug, a JSON field list) is parsing, as
the form does; a value that cannot be read is reported at its field as a finding.
"""

from __future__ import annotations

import json
from collections import namedtuple
from typing import Any

from django.contrib.admin.utils import unquote
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from users import access as user_access
from workflow_design.files.limits import (
    UploadRefused,
    ensure_json_value_depth,
    live_check_max_bytes,
    live_check_max_rows,
    size_text,
)
from workflow_design.policy import Action
from workflow_design.rules import linting
from workflow_design.rules.diagram import DiagramMarks, diagram_marks, diagram_svg_from_rows
from workflow_design.rules.field_schemas import field_list_errors

# The diagram's rows: the attributes `rules.diagram` reads from its queries.
DiagramTask = namedtuple("DiagramTask", "pk title slug assignee_role__name")
DiagramTransition = namedtuple("DiagramTransition", "slug from_task_id to_task_id condition priority")

# The field of a row that a finding's code is about; other findings belong to the whole row.
FIELD_OF_CODE = {
    linting.CONDITION_ERROR: "condition",
    linting.DUPLICATE_PRIORITY: "priority",
    linting.DEFAULT_NOT_LAST: "priority",
    linting.MULTIPLE_DEFAULTS: "condition",
    linting.UNKNOWN_ROLE: "assignee_role",
    linting.LAYOUT_UNKNOWN_FIELD: "display_layout",
}


class LiveCheckRefused(ValueError):
    """A state that is not checked at all (too large, not the page's JSON)."""


def _finding(level: str, code: str, message: str, row: str | None, field: str | None) -> dict[str, Any]:
    return {"level": level, "code": code, "message": str(message), "row": row, "field": field}


def _json_list(value: Any) -> tuple[Any, bool]:
    """A field list as the page holds it (its editor's JSON text, or already parsed)."""
    if isinstance(value, str):
        if not value.strip():
            return [], True
        try:
            value = json.loads(value)
        except ValueError:
            return value, False
    return value, True


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value if value is not None else "").strip()
    if text.lstrip("-").isdigit() and len(text) <= 12:
        return int(text)
    return None


def read_state(body: bytes) -> dict[str, Any]:
    """The page's JSON, within the live check's limits."""
    if len(body) > live_check_max_bytes():
        raise LiveCheckRefused(
            _("The page is too large to be checked while it is edited (%(size)s, at most %(limit)s); save to check it.")
            % {"size": size_text(len(body)), "limit": size_text(live_check_max_bytes())}
        )
    try:
        state = json.loads(body or b"{}")
        ensure_json_value_depth(state)
    except (ValueError, UploadRefused) as exc:
        raise LiveCheckRefused(_("The page's state could not be read: %(reason)s") % {"reason": exc}) from None
    if not isinstance(state, dict):
        raise LiveCheckRefused(_("The page's state could not be read."))
    tasks, transitions = state.get("tasks") or [], state.get("transitions") or []
    if not isinstance(tasks, list) or not isinstance(transitions, list):
        raise LiveCheckRefused(_("The page's state could not be read."))
    if len(tasks) + len(transitions) > live_check_max_rows():
        raise LiveCheckRefused(
            _("More than %(n)d rows are checked when the workflow is saved.") % {"n": live_check_max_rows()}
        )

    def kept(rows: list) -> list[dict]:
        # Rows marked for deletion are checked as gone, as the save would leave them.
        return [row for row in rows if isinstance(row, dict) and not row.get("deleted")]

    workflow = state.get("workflow")
    return {
        "workflow": workflow if isinstance(workflow, dict) else {},
        "tasks": kept(tasks),
        "transitions": kept(transitions),
    }


class LiveCheck:
    """One check of an unsaved state: `workflow` is an unsaved object (a copy of the stored one,
    or a new one on the add page) that takes the page's own fields; nothing is written."""

    def __init__(self, workflow, state: dict[str, Any], *, stored_input_schemas: dict[int, Any], roles: dict) -> None:
        self.workflow = workflow
        self.state = state
        self.stored_input_schemas = stored_input_schemas
        self.roles = roles  # pk -> (slug, name), the company's roles
        self.findings: list[dict[str, Any]] = []
        self.task_rows: list[tuple] = []
        self.task_row_names: dict[int, str] = {}  # a task's number in the check -> its row
        self.transition_row_names: dict[int, str] = {}

    def parse_error(self, row: str | None, field: str, message: str) -> None:
        self.findings.append(_finding(linting.ERROR, "unreadable-value", message, row, field))

    def read_workflow(self) -> None:
        values = self.state["workflow"]
        for name in ("title", "slug"):
            if isinstance(values.get(name), str):
                setattr(self.workflow, name, values[name].strip())
        for name in ("fields", "display_layout"):
            if name not in values:
                continue
            value, readable = _json_list(values[name])
            if readable:
                setattr(self.workflow, name, value)
            else:
                self.parse_error(None, name, _("This is not valid JSON."))

    def read_tasks(self) -> dict[str, int]:
        by_slug: dict[str, int] = {}
        for number, row in enumerate(self.state["tasks"], start=1):
            name = str(row.get("row") or "")
            self.task_row_names[number] = name
            slug = str(row.get("slug") or "").strip()
            position = _integer(row.get("position"))
            if position is None:
                self.parse_error(name, "position", _("Enter a whole number."))
                position = 0
            output, readable = _json_list(row.get("output_schema", []))
            if not readable:
                self.parse_error(name, "output_schema", _("This is not valid JSON."))
                output = []
            stored_id = _integer(row.get("id"))
            role_id = _integer(row.get("assignee_role"))
            role = self.roles.get(role_id)
            if role_id is not None and role is None:
                self.parse_error(name, "assignee_role", _("Choose a role of this company."))
            self.task_rows.append(
                (
                    number,
                    str(row.get("title") or "").strip(),
                    slug,
                    position,
                    self.stored_input_schemas.get(stored_id, []),
                    output,
                    role_id if role else None,
                    self.workflow.company_id if role else None,
                    role[0] if role else None,
                )
            )
            if slug:
                by_slug.setdefault(slug, number)
        return by_slug

    def read_transitions(self, tasks_by_slug: dict[str, int]) -> list[tuple]:
        rows = []
        known = ", ".join(sorted(tasks_by_slug)) or _("none yet")
        for number, row in enumerate(self.state["transitions"], start=1):
            name = str(row.get("row") or "")
            self.transition_row_names[number] = name
            ends = {}
            for side in ("from_task", "to_task"):
                slug = str(row.get(side) or "").strip()
                ends[side] = tasks_by_slug.get(slug) if slug else None
                if slug and ends[side] is None:
                    self.parse_error(
                        name,
                        side,
                        _("This workflow has no task with the slug “%(slug)s”. Its tasks: %(known)s.")
                        % {"slug": slug, "known": known},
                    )
            priority = _integer(row.get("priority"))
            if priority is None:
                self.parse_error(name, "priority", _("Enter a whole number."))
                priority = 0
            slug = str(row.get("slug") or "").strip() or f"#{number}"
            rows.append((number, slug, ends["from_task"], ends["to_task"], str(row.get("condition") or ""), priority))
        return rows

    def run(self) -> dict[str, Any]:
        self.read_workflow()
        tasks_by_slug = self.read_tasks()
        transition_rows = self.read_transitions(tasks_by_slug)
        findings = linting.lint_workflow_rows(self.workflow, self.task_rows, transition_rows)
        sources = {row[0]: row[2] for row in transition_rows}
        outputs = {row[0]: row[5] for row in self.task_rows}
        highlight = set()
        for finding in findings:
            row, field = None, FIELD_OF_CODE.get(finding.code)
            if finding.object_type == linting.TASK:
                row = self.task_row_names.get(finding.object_id)
                highlight.add(finding.object_id)
                if finding.code == linting.INVALID_FIELD_SCHEMA:
                    field = "output_schema" if field_list_errors(outputs.get(finding.object_id)) else None
            elif finding.object_type == linting.TRANSITION:
                row = self.transition_row_names.get(finding.object_id)
                if sources.get(finding.object_id) is not None:
                    highlight.add(sources[finding.object_id])
            elif finding.object_type == linting.WORKFLOW:
                field = "fields" if finding.code == linting.INVALID_FIELD_SCHEMA else field
            else:
                field = None
            self.findings.append(_finding(finding.level, finding.code, finding.message, row, field))
        return {
            "findings": self.findings,
            "errors": sum(1 for f in self.findings if f["level"] == linting.ERROR),
            "warnings": sum(1 for f in self.findings if f["level"] == linting.WARNING),
            "diagram": self.diagram(transition_rows, highlight, diagram_marks(findings)),
        }

    def diagram(self, transition_rows: list[tuple], highlight: set[int], marks: DiagramMarks) -> str:
        names = {pk: name for pk, (_slug, name) in self.roles.items()}
        tasks = [DiagramTask(row[0], row[1] or row[2], row[2], names.get(row[6])) for row in self.task_rows]
        transitions = [DiagramTransition(row[1], row[2], row[3], row[4], row[5]) for row in transition_rows]
        return diagram_svg_from_rows(self.workflow, tasks, transitions, highlight_task_ids=highlight, marks=marks)


class LiveCheckAdminMixin:
    """The workflow admin's check endpoint: `live-check/` (add page) and `<id>/live-check/`."""

    def live_check_view(self, request, object_id=None):
        return require_POST(self._live_check)(request, object_id)

    def _live_check(self, request, object_id):
        if object_id is None:
            if not self.has_add_permission(request):
                raise Http404(_("Not found."))
            stored = None
            company = None if request.user.is_superuser else self.policy.company_for_new(request.user)
            workflow = self.model(company=company or getattr(request.user, "company", None))
        else:
            # The workflows the policy lets the user see (the admin's list adds counts not needed here).
            visible = self.policy.instances_user_has_permission_for(request.user, Action.VIEW)
            pk = unquote(object_id)
            stored = visible.filter(pk=pk).first() if str(pk).isdigit() else None
            # Another company's workflow, or one the user may not change, is not there for them.
            if stored is None or not self.has_change_permission(request, stored):
                raise Http404(_("Not found."))
            workflow = _unsaved_copy(stored)
        try:
            state = read_state(request.body)
        except LiveCheckRefused as exc:
            return JsonResponse({"refused": str(exc)}, status=400)
        ids = [_integer(row.get("id")) for row in state["tasks"]]
        stored_input_schemas = (
            dict(stored.tasks.filter(pk__in=[pk for pk in ids if pk is not None]).values_list("pk", "input_schema"))
            if stored is not None
            else {}
        )
        roles = {
            pk: (slug, name)
            for pk, slug, name in user_access.company_roles_of(workflow.company_id).values_list("pk", "slug", "name")
        }
        check = LiveCheck(workflow, state, stored_input_schemas=stored_input_schemas, roles=roles)
        return JsonResponse(check.run())


def designer_words_json() -> str:
    """The words the page's script writes (designer.js), translated."""
    return json.dumps(
        {
            "edit": _("Edit form"),
            "done": _("Done"),
            "form_of": _("Output form of"),
            "new_task": _("the new task"),
            "no_fields": _("No fields"),
            "unreadable": _("Edit to see the fields"),
            "found": _("Found in your unsaved changes:"),
            "errors": _("error(s)"),
            "warnings": _("warning(s)"),
            "clean": _("No problems found in your unsaved changes."),
        },
        ensure_ascii=False,
    )


def _unsaved_copy(workflow):
    """The stored workflow as an object the check may change (it is never saved)."""
    copy = type(workflow)()
    for field in workflow._meta.concrete_fields:
        setattr(copy, field.attname, getattr(workflow, field.attname))
    copy._state.adding, copy._state.db = False, workflow._state.db
    return copy
