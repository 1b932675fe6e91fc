"""Comparing two versions of a workflow: what was added, removed or changed, in words."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from django.utils.translation import gettext as _

from workflow_design.models import WorkflowDefinition, WorkflowTransition
from workflow_design.rules.field_schemas import fields_by_name


@dataclass(frozen=True)
class Change:
    kind: Literal["added", "removed", "changed"]
    object_type: str  # workflow, task, transition, field
    slug: str
    message: str
    old: Any = None
    new: Any = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _show(value: Any) -> str:
    if value in (None, ""):
        return _("(empty)")
    return str(value)


def _attribute_changes(
    before: Any, after: Any, attributes: tuple[str, ...], object_type: str, slug: str, message: str
) -> list[Change]:
    """One change for each of `attributes` whose value differs; `message` words it with
    %(slug)s, %(attribute)s, %(old)s and %(new)s."""
    changes: list[Change] = []
    for attribute in attributes:
        old, new = getattr(before, attribute), getattr(after, attribute)
        if old != new:
            words = {"slug": slug, "attribute": attribute, "old": _show(old), "new": _show(new)}
            changes.append(Change("changed", object_type, slug, message % words, old, new))
    return changes


def _compare_fields(owner: str, old_fields: Any, new_fields: Any, object_type: str, slug: str) -> list[Change]:
    changes: list[Change] = []
    old_by_name, new_by_name = fields_by_name(old_fields), fields_by_name(new_fields)

    def change(kind: str, message: str, old: Any, new: Any) -> None:
        changes.append(Change(kind, "field", slug, message, old, new))

    for name, definition in new_by_name.items():
        if name not in old_by_name:
            words = {"owner": owner, "name": name, "type": definition.get("type")}
            change("added", _("%(owner)s: field %(name)s (%(type)s) added.") % words, None, definition)
    for name, definition in old_by_name.items():
        if name not in new_by_name:
            change(
                "removed", _("%(owner)s: field %(name)s removed.") % {"owner": owner, "name": name}, definition, None
            )
            continue
        after = new_by_name[name]
        for key in sorted(set(definition) | set(after)):
            old, new = definition.get(key), after.get(key)
            if old != new:
                words = {"owner": owner, "name": name, "key": key, "old": _show(old), "new": _show(new)}
                change(
                    "changed",
                    _("%(owner)s: field %(name)s, %(key)s changed from %(old)s to %(new)s.") % words,
                    old,
                    new,
                )
    old_order = [n for n in old_by_name if n in new_by_name]
    new_order = [n for n in new_by_name if n in old_by_name]
    if old_order != new_order:
        words = {"owner": owner, "old": ", ".join(old_order), "new": ", ".join(new_order)}
        change("changed", _("%(owner)s: field order changed from %(old)s to %(new)s.") % words, old_order, new_order)
    return changes


def _compare_by_slug(
    old: dict[str, Any], new: dict[str, Any], object_type: str, *, added, removed, kept
) -> list[Change]:
    """Rows by slug: those added (in the new order), then each old one removed or, still there,
    compared with its new self. `added(row)` and `removed(row)` word a change; `kept(slug,
    before, after)` lists its changes."""
    changes = [Change("added", object_type, slug, added(row)) for slug, row in new.items() if slug not in old]
    for slug, row in old.items():
        if slug in new:
            changes += kept(slug, row, new[slug])
        else:
            changes.append(Change("removed", object_type, slug, removed(row)))
    return changes


WORKFLOW_ATTRIBUTES = ("title", "description")
TASK_ATTRIBUTES = ("title", "description", "task_type", "position")
TRANSITION_ATTRIBUTES = ("condition", "priority")


def _task_changes(slug: str, before, after) -> list[Change]:
    changes = _attribute_changes(
        before,
        after,
        TASK_ATTRIBUTES,
        "task",
        slug,
        _("Task %(slug)s: %(attribute)s changed from %(old)s to %(new)s."),
    )
    before_role = before.assignee_role.slug if before.assignee_role else None
    after_role = after.assignee_role.slug if after.assignee_role else None
    if before_role != after_role:
        changes.append(
            Change(
                "changed",
                "task",
                slug,
                _("Task %(slug)s: assigned role changed from %(old)s to %(new)s.")
                % {"slug": slug, "old": _show(before_role), "new": _show(after_role)},
                before_role,
                after_role,
            )
        )
    changes += _compare_fields(
        _("Task %(slug)s input") % {"slug": slug}, before.input_schema, after.input_schema, "task", slug
    )
    changes += _compare_fields(
        _("Task %(slug)s output") % {"slug": slug}, before.output_schema, after.output_schema, "task", slug
    )
    return changes


def _ends(transition: WorkflowTransition) -> tuple[str, str]:
    return (
        transition.from_task.slug if transition.from_task_id else _("start"),
        transition.to_task.slug if transition.to_task_id else _("end"),
    )


def _transition_words(transition: WorkflowTransition) -> dict[str, Any]:
    source, target = _ends(transition)
    return {
        "slug": transition.slug,
        "source": source,
        "target": target,
        "priority": transition.priority,
        "condition": _show(transition.condition),
    }


def _transition_added(transition: WorkflowTransition) -> str:
    return _(
        "Transition %(slug)s (%(source)s → %(target)s, priority %(priority)d, condition %(condition)s) added."
    ) % _transition_words(transition)


def _transition_removed(transition: WorkflowTransition) -> str:
    return _("Transition %(slug)s (%(source)s → %(target)s) removed.") % _transition_words(transition)


def _transition_changes(slug: str, before: WorkflowTransition, after: WorkflowTransition) -> list[Change]:
    changes: list[Change] = []
    if _ends(before) != _ends(after):
        old_way, new_way = " → ".join(_ends(before)), " → ".join(_ends(after))
        changes.append(
            Change(
                "changed",
                "transition",
                slug,
                _("Transition %(slug)s now goes %(new)s instead of %(old)s.")
                % {"slug": slug, "old": old_way, "new": new_way},
                old_way,
                new_way,
            )
        )
    return changes + _attribute_changes(
        before,
        after,
        TRANSITION_ATTRIBUTES,
        "transition",
        slug,
        _("Transition %(slug)s: %(attribute)s changed from %(old)s to %(new)s."),
    )


def workflow_compare(*, old: WorkflowDefinition, new: WorkflowDefinition) -> list[Change]:
    """What changed from `old` to `new`: tasks, transitions, fields and conditions, in words."""
    changes = _attribute_changes(
        old,
        new,
        WORKFLOW_ATTRIBUTES,
        "workflow",
        new.slug,
        _("Workflow %(attribute)s changed from %(old)s to %(new)s."),
    )
    changes += _compare_fields(_("Workflow fields"), old.fields, new.fields, "workflow", new.slug)
    changes += _compare_by_slug(
        {t.slug: t for t in old.tasks.select_related("assignee_role")},
        {t.slug: t for t in new.tasks.select_related("assignee_role")},
        "task",
        added=lambda task: _('Task "%(title)s" (%(slug)s) added.') % {"title": task.title, "slug": task.slug},
        removed=lambda task: _('Task "%(title)s" (%(slug)s) removed.') % {"title": task.title, "slug": task.slug},
        kept=_task_changes,
    )
    changes += _compare_by_slug(
        {t.slug: t for t in old.transitions.select_related("from_task", "to_task")},
        {t.slug: t for t in new.transitions.select_related("from_task", "to_task")},
        "transition",
        added=_transition_added,
        removed=_transition_removed,
        kept=_transition_changes,
    )
    return changes
