"""What a condition may name: the fields of the ticket, the workflow and the source task's output."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from workflow_design.rules.cel.kinds import BOOL, DYN, LIST, NUM, STR
from workflow_design.rules.field_schemas import BOOLEAN, CHOICE, INTEGER, MULTIPLE_CHOICE, NUMBER, fields_by_name

ROOTS = ("ticket", "workflow", "output")


def field_kind(field_def: Mapping[str, Any]) -> str:
    field_type = field_def.get("type")
    if field_type == BOOLEAN:
        return BOOL
    if field_type in (INTEGER, NUMBER):
        return NUM
    if field_type == MULTIPLE_CHOICE:
        return LIST
    # Text, long text, email, choice, and dates (ISO strings in ticket data).
    return STR


def _choices_of(field_def: Mapping[str, Any]) -> tuple[str, ...] | None:
    if field_def.get("type") not in (CHOICE, MULTIPLE_CHOICE):
        return None
    values = []
    for choice in field_def.get("choices") or []:
        values.append(choice.get("value") if isinstance(choice, dict) else choice)
    return tuple(str(v) for v in values)


@dataclass(frozen=True)
class FieldInfo:
    kind: str
    choices: tuple[str, ...] | None = None


@dataclass
class ConditionScope:
    """What a condition may name: `None` for a root means its fields cannot be checked."""

    output: dict[str, FieldInfo] | None
    workflow: dict[str, FieldInfo]
    ticket: dict[str, FieldInfo] | None
    output_owner: str = ""
    ticket_owners: str = ""
    no_output_reason: str = ""

    def fields_of(self, root: str) -> dict[str, FieldInfo] | None:
        return {"output": self.output, "workflow": self.workflow, "ticket": self.ticket}[root]

    @functools.cached_property
    def check_key(self) -> tuple:
        """Everything a condition's check reads from this scope except the output form's owner,
        which only one message names (see `ConditionChecker`). Scopes are not changed once made."""

        def frozen(fields: dict[str, FieldInfo] | None) -> tuple | None:
            return None if fields is None else tuple(fields.items())

        return (
            frozen(self.output),
            frozen(self.workflow),
            frozen(self.ticket),
            self.ticket_owners,
            self.no_output_reason,
        )


def _infos(fields: Any) -> dict[str, FieldInfo]:
    return {name: FieldInfo(field_kind(f), _choices_of(f)) for name, f in fields_by_name(fields).items()}


def ticket_field_infos(ticket_field_lists: list[Any]) -> dict[str, FieldInfo] | None:
    """Fields every ticket definition has; a type that differs between them becomes unknown."""
    if not ticket_field_lists:
        return None
    per_definition = [_infos(fields) for fields in ticket_field_lists]
    common = set(per_definition[0])
    for infos in per_definition[1:]:
        common &= set(infos)
    merged: dict[str, FieldInfo] = {}
    for name in sorted(common, key=lambda n: list(per_definition[0]).index(n)):
        kinds = {infos[name].kind for infos in per_definition}
        if len(kinds) > 1:
            merged[name] = FieldInfo(DYN)
            continue
        choices: set[str] | None = set()
        for infos in per_definition:
            if infos[name].choices is None:
                choices = None
                break
            choices |= set(infos[name].choices)  # type: ignore[operator]
        merged[name] = FieldInfo(kinds.pop(), tuple(sorted(choices)) if choices is not None else None)
    return merged


def scope_for(*, workflow, from_task, ticket_definitions: Iterable[Any] | None = None) -> ConditionScope:
    """The names a condition of a transition leaving `from_task` may use.

    `ticket_definitions` defaults to the ticket definitions using `workflow` (prefetched
    ones are used as they are, so a linter run stays at a constant number of queries).
    """
    if ticket_definitions is None:
        ticket_definitions = list(workflow.ticket_definitions.all()) if workflow.pk else []
    ticket_definitions = list(ticket_definitions)
    if from_task is None:
        output = None
        reason = _("a start transition runs before any task, so there is no output")
        owner = ""
    else:
        output = _infos(from_task.output_schema)
        reason = ""
        owner = from_task.title or from_task.slug
    return ConditionScope(
        output=output,
        workflow=_infos(workflow.fields),
        ticket=ticket_field_infos([t.fields for t in ticket_definitions]),
        output_owner=owner,
        ticket_owners=", ".join(f"{t.title} ({t.slug})" for t in ticket_definitions),
        no_output_reason=reason,
    )


class WorkflowConditionScopes:
    """The scopes of every transition of one workflow.

    What the scopes have in common (the workflow's fields, the fields of the ticket definitions
    using it) is worked out once; only the output form differs from one source task to the next.
    """

    def __init__(self, *, workflow, ticket_definitions: Iterable[Any]) -> None:
        self._start = scope_for(workflow=workflow, from_task=None, ticket_definitions=ticket_definitions)
        self._by_task: dict[Any, ConditionScope] = {}

    def for_task(self, from_task) -> ConditionScope:
        """The scope of a transition leaving `from_task` (`None` for a start transition)."""
        if from_task is None:
            return self._start
        scope = self._by_task.get(from_task.pk)
        if scope is None:
            scope = dataclasses.replace(
                self._start,
                output=_infos(from_task.output_schema),
                output_owner=from_task.title or from_task.slug,
                no_output_reason="",
            )
            self._by_task[from_task.pk] = scope
        return scope
