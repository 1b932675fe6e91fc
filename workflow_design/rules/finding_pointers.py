"""Findings that point: where in a bundle document a problem is, what to do, and a patch when the
fix is mechanical.

Every import error, lint finding and check result is given a JSON Pointer (RFC 6901) into the
bundle it is about, a stable code and a one-line hint; where the fix is mechanical a JSON Patch
(RFC 6902) that makes it. Plain Python over the document and the findings: no database.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from django.utils.translation import gettext_lazy as _

from workflow_design.models.slugs import free_slug
from workflow_design.rules import linting, routing

# Codes of the import's own findings (the linter's are in `rules.linting`). Part of the API.
NOT_AN_OBJECT = "not-an-object"
WRONG_FORMAT = "wrong-format"
UNSUPPORTED_VERSION = "unsupported-version"
UNKNOWN_KEY = "unknown-key"
SLUG_REQUIRED = "slug-required"
EXPECTED_OBJECT = "expected-object"
EXPECTED_LIST = "expected-list"
EXPECTED_TEXT = "expected-text"
EXPECTED_INTEGER = "expected-integer"
EXPECTED_REFERENCE = "expected-reference"
SLUG_CLASH = "slug-clash"
MISSING_ROLE = "missing-role"
ROLE_NOT_IN_BUNDLE = "role-not-in-bundle"
UNKNOWN_TASK = "unknown-task"
INVALID_VALUE = "invalid-value"
CONCURRENT_IMPORT = "concurrent-import"

HINTS: dict[str, Any] = {
    NOT_AN_OBJECT: _("Send one JSON object: the bundle."),
    WRONG_FORMAT: _('Set "format" to "ticketflower.workflow-bundle".'),
    UNSUPPORTED_VERSION: _("Export the bundle again from a server of this version."),
    UNKNOWN_KEY: _("Remove the key, or check its spelling against the bundle schema."),
    SLUG_REQUIRED: _("Give the entry a slug: letters, digits, - and _."),
    EXPECTED_OBJECT: _("Write this part as a JSON object."),
    EXPECTED_LIST: _("Write this part as a JSON list."),
    EXPECTED_TEXT: _("Write this value as text in quotes."),
    EXPECTED_INTEGER: _("Write this value as a whole number."),
    EXPECTED_REFERENCE: _("Name the other entry by its slug, or null."),
    SLUG_CLASH: _("Choose another slug, or import the bundle as the next version."),
    MISSING_ROLE: _("Create the role in your company, let the import create it, or assign another role."),
    ROLE_NOT_IN_BUNDLE: _("List every role the bundle names under roles, so another company can create it."),
    UNKNOWN_TASK: _("Name a task of this bundle by its slug, or null for a start or an end."),
    INVALID_VALUE: _("Correct the value as the message says."),
    CONCURRENT_IMPORT: _("Reload and import again."),
    linting.NO_START: _("Add a transition with an empty from_task to the first task."),
    linting.UNREACHABLE_TASK: _("Add a transition into this task, or remove it."),
    linting.NO_PATH_TO_END: _("Add a transition with an empty to_task from a task on the loop."),
    linting.DEAD_END_TASK: _("Add a transition out of this task (an empty to_task ends the workflow)."),
    linting.DUPLICATE_PRIORITY: _("Give each transition leaving a task its own priority."),
    linting.MULTIPLE_DEFAULTS: _("Give all but one of the condition-less transitions a condition."),
    linting.DEFAULT_NOT_LAST: _("Give the default transition the highest priority number of its task."),
    linting.NO_DEFAULT: _("Add a condition-less transition with the highest priority number."),
    linting.CONDITION_ERROR: _("Correct the condition (CEL over ticket.*, workflow.* and output.*)."),
    linting.TICKET_FIELDS_UNCHECKED: _("Add a ticket definition that uses this workflow."),
    linting.INVALID_FIELD_SCHEMA: _("Correct the field list as the message says."),
    linting.LAYOUT_UNKNOWN_FIELD: _("Place only fields of the form in its layout, each once."),
    linting.UNKNOWN_ROLE: _("Name a role of your company."),
    routing.UNCOVERED_VALUES: _("Add a default transition, or conditions covering the ticket shown."),
    routing.NEVER_TRUE: _("Correct the condition: no ticket can make it true."),
    routing.DEAD_TRANSITION: _("Reorder or narrow the earlier conditions, or remove this transition."),
    routing.NO_EXIT: _("Add a transition out of the loop that a ticket can take."),
    routing.UNSET_FIELD: _("Make the field required, give it a default, or test that it has a value first."),
    routing.NOT_ANALYSED: _("Simplify the conditions, or check this branch with a dry run."),
    routing.ROUTING_UNFINISHED: _("Check the remaining branches with a dry run."),
}

# Which list of the document holds each kind of object the linter names, and the key a finding
# of a given code is about (the whole entry when none).
_LIST_OF = {linting.TASK: "tasks", linting.TRANSITION: "transitions", linting.TICKET_DEFINITION: "tickets"}
_KEY_OF_CODE = {
    (linting.TRANSITION, linting.DUPLICATE_PRIORITY): "priority",
    (linting.TRANSITION, linting.DEFAULT_NOT_LAST): "priority",
    (linting.TRANSITION, linting.MULTIPLE_DEFAULTS): "condition",
    (linting.TRANSITION, linting.CONDITION_ERROR): "condition",
    (linting.TRANSITION, routing.NEVER_TRUE): "condition",
    (linting.TRANSITION, routing.DEAD_TRANSITION): "condition",
    (linting.TRANSITION, routing.UNSET_FIELD): "condition",
    (linting.TASK, linting.UNKNOWN_ROLE): "assignee_role",
    (linting.TICKET_DEFINITION, linting.UNKNOWN_ROLE): "company_role_access",
}
_DEFAULT_PRIORITY = 100
_PATH_STEP = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]")


def hint_for(code: str) -> str:
    return str(HINTS.get(code, HINTS[INVALID_VALUE]))


def escape(token: Any) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(*tokens: Any) -> str:
    """The RFC 6901 pointer of a path of keys and indexes ("" is the whole document)."""
    return "".join(f"/{escape(token)}" for token in tokens)


def pointer_of_path(path: str) -> str:
    """A reader's path (`tasks[1].assignee_role`) as a pointer (`/tasks/1/assignee_role`)."""
    return pointer(*(key or index for key, index in _PATH_STEP.findall(path)))


def document_error(
    path: str, message: Any, code: str, patch: list[dict[str, Any]] | None = None, *, within: str = ""
) -> dict[str, Any]:
    """One problem of a submitted document: where (the reader's path and its pointer, deeper by
    `within`, a pointer inside the value at `path`), its code, the message, a hint and, for a
    mechanical fix, the patch."""
    error: dict[str, Any] = {
        "path": path,
        "pointer": pointer_of_path(path) + within,
        "code": code,
        "message": str(message),
        "hint": hint_for(code),
    }
    if patch:
        error["patch"] = patch
    return error


def _index_by_slug(document: dict[str, Any], name: str) -> dict[str, int]:
    entries = document.get(name)
    if not isinstance(entries, list):
        return {}
    found: dict[str, int] = {}
    for index, entry in enumerate(entries):
        if isinstance(entry, dict) and isinstance(entry.get("slug"), str):
            found.setdefault(entry["slug"], index)
    return found


def free_slug_in(document: dict[str, Any], name: str, slug: str, *, taken: set[str] = frozenset()) -> str:
    """A slug like `slug` that no entry of the list `name` (nor `taken`) has."""
    used = set(_index_by_slug(document, name)) | set(taken)
    used.add(slug)
    return free_slug(slug, used, max_length=80)


def _priority(entry: dict[str, Any]) -> int:
    value = entry.get("priority", _DEFAULT_PRIORITY)
    return value if isinstance(value, int) and not isinstance(value, bool) else _DEFAULT_PRIORITY


def _priority_patch(document: dict[str, Any], index: int) -> list[dict[str, Any]]:
    """Move a transition after every other transition leaving the same task."""
    transitions = document["transitions"]
    source = transitions[index].get("from_task")
    highest = max(_priority(t) for t in transitions if isinstance(t, dict) and t.get("from_task") == source)
    return [{"op": "replace", "path": pointer("transitions", index, "priority"), "value": highest + 1}]


class _LintPointer:
    """Points the linter's findings for one document: slugs looked up once."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.indexes = {name: _index_by_slug(document, name) for name in _LIST_OF.values()}

    def locate(self, finding: linting.Finding) -> tuple[str, int | None]:
        name = _LIST_OF.get(finding.object_type)
        if name is None:  # the workflow itself
            return ("/transitions" if finding.code == linting.NO_START else "/workflow"), None
        index = self.indexes[name].get(finding.object_slug)
        if index is None:
            return "", None
        key = _KEY_OF_CODE.get((finding.object_type, finding.code))
        return (pointer(name, index, key) if key else pointer(name, index)), index

    def patch(self, finding: linting.Finding, index: int | None) -> list[dict[str, Any]] | None:
        if index is None or finding.object_type != linting.TRANSITION:
            return None
        if finding.code in (linting.DEFAULT_NOT_LAST, linting.DUPLICATE_PRIORITY):
            return _priority_patch(self.document, index)
        return None

    def point(self, finding: linting.Finding) -> linting.Finding:
        where, index = self.locate(finding)
        return dataclasses.replace(
            finding, pointer=where, hint=hint_for(finding.code), patch=self.patch(finding, index)
        )


def point_findings(findings: list[linting.Finding], document: dict[str, Any]) -> list[linting.Finding]:
    """The linter's findings of a workflow, pointing into its bundle `document`."""
    locator = _LintPointer(document)
    return [locator.point(finding) for finding in findings]


__all__ = [
    "HINTS",
    "document_error",
    "escape",
    "free_slug_in",
    "hint_for",
    "point_findings",
    "pointer",
    "pointer_of_path",
]
