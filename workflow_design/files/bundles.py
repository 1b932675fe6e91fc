"""Workflow bundles: one JSON document that holds a whole workflow, by slug.

A bundle carries the workflow, its tasks, its transitions, the ticket definitions that use it
and the company roles they name. It carries no database ids, no company and no user, so it can
move between companies and servers. This module is the document: its format, the check of its
shape (`bundle_parse`) and its writer (`bundle_export`). `files.bundle_reader.read_bundle` reads
one from bytes; `services.bundle_import.bundle_import` imports one.
"""

from __future__ import annotations

import json
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from users import access as user_access
from users.models import Company
from workflow_design.models import WorkflowDefinition
from workflow_design.rules import finding_pointers as pointing
from workflow_design.rules.finding_pointers import document_error
from workflow_design.rules.json_schema_fields import FieldSchemaRefused, json_schema_to_field_list
from workflow_design.rules.linting import INVALID_FIELD_SCHEMA

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
TEXT_KEYS = {"slug", "title", "description", "task_type", "condition", "name"}
INT_KEYS = {"position", "priority"}
# Forms: an ordered field list, or a JSON Schema object of one (read as the list).
FIELD_LIST_KEYS = {"fields", "input_schema", "output_schema"}
REFERENCE_KEYS = {"assignee_role", "from_task", "to_task"}


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


# The shape of a document ---------------------------------------------------------------

NOT_AN_OBJECT = gettext_lazy("A workflow bundle is a JSON object.")


def bundle_parse(document: Any) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The parts of a bundle and the errors of its shape (`finding_pointers.document_error`).

    Parsing only: types, known keys, the format and its version. The values themselves are
    checked by the models when the bundle is imported. The parts are None when the document is
    not a bundle at all (not an object, another format or version); otherwise they are the
    entries' known keys, given with the errors so a validation can go on and report the rest.
    """
    errors: list[dict[str, Any]] = []

    def error(path: str, message: str, code: str, within: str = "") -> None:
        errors.append(document_error(path, message, code, within=within))

    if not isinstance(document, dict):
        error("", NOT_AN_OBJECT, pointing.NOT_AN_OBJECT)
        return None, errors
    if document.get("format") != BUNDLE_FORMAT:
        error(
            "format",
            _('This is not a workflow bundle: "format" must be "%(f)s".') % {"f": BUNDLE_FORMAT},
            pointing.WRONG_FORMAT,
        )
        return None, errors
    version = document.get("format_version")
    if version != BUNDLE_FORMAT_VERSION or isinstance(version, bool):
        error(
            "format_version",
            _("Bundle format version %(got)s is not supported; this server reads version %(want)d.")
            % {"got": json.dumps(version), "want": BUNDLE_FORMAT_VERSION},
            pointing.UNSUPPORTED_VERSION,
        )
        return None, errors
    for key in sorted(set(document) - set(TOP_KEYS)):
        error(key, _("Unknown key. Allowed keys: %(keys)s.") % {"keys": ", ".join(TOP_KEYS)}, pointing.UNKNOWN_KEY)
    parsed = {
        "workflow": _check_part(error, "workflow", document.get("workflow"), WORKFLOW_KEYS),
        "tasks": _check_list(error, document, "tasks", TASK_KEYS),
        "transitions": _check_list(error, document, "transitions", TRANSITION_KEYS),
        "tickets": _check_list(error, document, "tickets", TICKET_KEYS),
        "roles": _check_list(error, document, "roles", ROLE_KEYS),
    }
    return parsed, errors


# The check of each kind of value, and the code of its refusal.
_KIND_CHECKS = (
    (TEXT_KEYS, lambda item: isinstance(item, str), gettext_lazy("Expected text."), pointing.EXPECTED_TEXT),
    (
        INT_KEYS,
        lambda item: isinstance(item, int) and not isinstance(item, bool),
        gettext_lazy("Expected a whole number."),
        pointing.EXPECTED_INTEGER,
    ),
    (
        REFERENCE_KEYS,
        lambda item: item is None or isinstance(item, str),
        gettext_lazy("Expected a slug (text) or null."),
        pointing.EXPECTED_REFERENCE,
    ),
)


def _check_part(error, path: str, value: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    """Type checks of one entry (parsing only: the model checks the values themselves)."""
    if not isinstance(value, dict):
        error(
            path,
            _("Expected an object with the keys %(keys)s.") % {"keys": ", ".join(keys)},
            pointing.EXPECTED_OBJECT,
        )
        return {}
    for key in sorted(set(value) - set(keys)):
        error(
            f"{path}.{key}", _("Unknown key. Allowed keys: %(keys)s.") % {"keys": ", ".join(keys)}, pointing.UNKNOWN_KEY
        )
    if not isinstance(value.get("slug"), str) or not value.get("slug"):
        error(f"{path}.slug", _("A slug (text) is required."), pointing.SLUG_REQUIRED)
    checked = {}
    for key, item in value.items():
        if key not in keys:
            continue
        refusal = next(
            ((message, code) for kind, accepts, message, code in _KIND_CHECKS if key in kind and not accepts(item)),
            None,
        )
        if refusal is not None:
            if key != "slug":
                error(f"{path}.{key}", refusal[0], refusal[1])
        elif key in FIELD_LIST_KEYS and isinstance(item, dict):
            checked[key] = _field_list_of_schema(error, f"{path}.{key}", item)
        else:
            checked[key] = item
    return checked


def _field_list_of_schema(error, path: str, schema: dict[str, Any]) -> list[dict[str, Any]]:
    """A form given as a JSON Schema object, read as the field list it stands for; each keyword
    the product cannot express is refused where it stands inside the object."""
    try:
        return json_schema_to_field_list(schema)
    except FieldSchemaRefused as exc:
        for where, message in exc.problems:
            error(path, message, INVALID_FIELD_SCHEMA, where)
        return []


def _check_list(error, document: dict, name: str, keys: tuple[str, ...]) -> list[dict]:
    value = document.get(name, [])
    if not isinstance(value, list):
        error(name, _("Expected a list."), pointing.EXPECTED_LIST)
        return []
    return [_check_part(error, f"{name}[{i}]", entry, keys) for i, entry in enumerate(value)]


__all__ = [
    "BUNDLE_FORMAT",
    "BUNDLE_FORMAT_VERSION",
    "NOT_AN_OBJECT",
    "bundle_dumps",
    "bundle_export",
    "bundle_filename",
    "bundle_parse",
    "of_company",
]
