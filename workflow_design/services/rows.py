"""What a write may set, and how refusals are reported: by row and by field.

Each definition model has one allow-list of the fields a caller may write. Everything else
(company, status, version, revision, authorship, timestamps) is set by the services: a row
that tries to set it is refused on that field, whichever way it came in.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition

# The fields a create or an update may set.
WRITABLE: dict[type[models.Model], frozenset[str]] = {
    WorkflowDefinition: frozenset({"slug", "title", "description", "ext_ref", "fields", "display_layout"}),
    TaskDefinition: frozenset(
        {"slug", "title", "description", "task_type", "position", "assignee_role", "input_schema", "output_schema"}
    ),
    WorkflowTransition: frozenset({"slug", "from_task", "to_task", "condition", "priority"}),
    TicketDefinition: frozenset(
        {
            "slug",
            "title",
            "description",
            "ext_ref",
            "workflow",
            "fields",
            "company_role_access",
            "edit_layout",
            "display_layout",
        }
    ),
}

# What a create may also say: where a part goes, and which version an import makes.
CREATE_ONLY: dict[type[models.Model], frozenset[str]] = {
    WorkflowDefinition: frozenset({"version"}),
    TaskDefinition: frozenset({"workflow"}),
    WorkflowTransition: frozenset({"workflow"}),
    TicketDefinition: frozenset({"version"}),
}

# Tasks and transitions belong to a workflow, whose state and revision they share.
PARTS = (TaskDefinition, WorkflowTransition)

# Foreign keys the services receive as loaded objects (read through the access layer by the
# adapter), so `full_clean` need not look each one up again; `clean()` still checks they belong.
LOADED_RELATIONS = ["company", "workflow", "created_by", "assignee_role", "from_task", "to_task"]


class RowErrors(ValidationError):
    """Several rows refused at once: `rows` maps each row's index to its ValidationError."""

    def __init__(self, rows: dict[int, ValidationError]) -> None:
        self.rows = dict(sorted(rows.items()))
        super().__init__([message for error in self.rows.values() for message in error.messages])

    def single(self) -> ValidationError:
        """The error of a batch of one, as the plain ValidationError a single-row caller expects."""
        return next(iter(self.rows.values()))


def row_error(field: str, message: str, code: str | None = None) -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


def add_error(errors: dict[int, ValidationError], index: int, error: ValidationError) -> None:
    """Keep every message of a row: a later check adds to what an earlier one found."""
    if index not in errors:
        errors[index] = error
        return
    merged: dict[str, list] = {}
    for exc in (errors[index], error):
        for field, messages in _as_dict(exc).items():
            merged.setdefault(field, []).extend(messages)
    errors[index] = ValidationError(merged)


def _as_dict(exc: ValidationError) -> dict[str, list]:
    if hasattr(exc, "error_dict"):
        return {field: list(errors) for field, errors in exc.error_dict.items()}
    return {"__all__": list(exc.error_list)}


def refuse_unwritable(model: type[models.Model], keys: Iterable[str], *, creating: bool) -> ValidationError | None:
    """An error naming each key the caller may not set on this model, or None."""
    allowed = WRITABLE[model] | (CREATE_ONLY[model] if creating else frozenset())
    refused = sorted(set(keys) - allowed)
    if not refused:
        return None
    return ValidationError({key: [_unwritable(key, creating)] for key in refused})


def _unwritable(key: str, creating: bool) -> ValidationError:
    if key == "workflow" and not creating:
        return ValidationError(_("This cannot be moved to another workflow."), code="fixed")
    return ValidationError(_("This field cannot be set here."), code="not_writable")


def unchanged_protected(model: type[models.Model], data: dict[str, Any], stored: models.Model) -> dict[str, Any]:
    """`data` without the protected keys that only repeat the stored value (a full PUT sends
    the row's workflow back unchanged); a protected key that differs stays, to be refused."""
    kept = {}
    for key, value in data.items():
        if key not in WRITABLE[model] and _stored_value(stored, key) == _plain(value):
            continue
        kept[key] = value
    return kept


def _stored_value(obj: models.Model, key: str) -> Any:
    try:
        field = obj._meta.get_field(key)
    except Exception:  # noqa: BLE001 - an unknown key is refused later, by name
        return object()
    return getattr(obj, field.attname, object())


def _plain(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value
