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


def _compare_fields(owner: str, old_fields: Any, new_fields: Any, object_type: str, slug: str) -> list[Change]:
    changes: list[Change] = []
    old_by_name, new_by_name = fields_by_name(old_fields), fields_by_name(new_fields)
    for name, definition in new_by_name.items():
        if name not in old_by_name:
            changes.append(
                Change(
                    "added",
                    "field",
                    slug,
                    _("%(owner)s: field %(name)s (%(type)s) added.")
                    % {"owner": owner, "name": name, "type": definition.get("type")},
                    None,
                    definition,
                )
            )
    for name, definition in old_by_name.items():
        if name not in new_by_name:
            changes.append(
                Change(
                    "removed",
                    "field",
                    slug,
                    _("%(owner)s: field %(name)s removed.") % {"owner": owner, "name": name},
                    definition,
                    None,
                )
            )
            continue
        after = new_by_name[name]
        for key in sorted(set(definition) | set(after)):
            if definition.get(key) != after.get(key):
                changes.append(
                    Change(
                        "changed",
                        "field",
                        slug,
                        _("%(owner)s: field %(name)s, %(key)s changed from %(old)s to %(new)s.")
                        % {
                            "owner": owner,
                            "name": name,
                            "key": key,
                            "old": _show(definition.get(key)),
                            "new": _show(after.get(key)),
                        },
                        definition.get(key),
                        after.get(key),
                    )
                )
    old_order = [n for n in old_by_name if n in new_by_name]
    new_order = [n for n in new_by_name if n in old_by_name]
    if old_order != new_order:
        changes.append(
            Change(
                "changed",
                "field",
                slug,
                _("%(owner)s: field order changed from %(old)s to %(new)s.")
                % {"owner": owner, "old": ", ".join(old_order), "new": ", ".join(new_order)},
                old_order,
                new_order,
            )
        )
    return changes


TASK_ATTRIBUTES = ("title", "description", "task_type", "position")
TRANSITION_ATTRIBUTES = ("condition", "priority")


def workflow_compare(*, old: WorkflowDefinition, new: WorkflowDefinition) -> list[Change]:
    """What changed from `old` to `new`: tasks, transitions, fields and conditions, in words."""
    changes: list[Change] = []
    for attribute in ("title", "description"):
        before, after = getattr(old, attribute), getattr(new, attribute)
        if before != after:
            changes.append(
                Change(
                    "changed",
                    "workflow",
                    new.slug,
                    _("Workflow %(attribute)s changed from %(old)s to %(new)s.")
                    % {"attribute": attribute, "old": _show(before), "new": _show(after)},
                    before,
                    after,
                )
            )
    changes += _compare_fields(_("Workflow fields"), old.fields, new.fields, "workflow", new.slug)

    old_tasks = {t.slug: t for t in old.tasks.select_related("assignee_role")}
    new_tasks = {t.slug: t for t in new.tasks.select_related("assignee_role")}
    for slug, task in new_tasks.items():
        if slug not in old_tasks:
            changes.append(
                Change(
                    "added", "task", slug, _('Task "%(title)s" (%(slug)s) added.') % {"title": task.title, "slug": slug}
                )
            )
    for slug, task in old_tasks.items():
        if slug not in new_tasks:
            changes.append(
                Change(
                    "removed",
                    "task",
                    slug,
                    _('Task "%(title)s" (%(slug)s) removed.') % {"title": task.title, "slug": slug},
                )
            )
            continue
        after = new_tasks[slug]
        for attribute in TASK_ATTRIBUTES:
            before_value, after_value = getattr(task, attribute), getattr(after, attribute)
            if before_value != after_value:
                changes.append(
                    Change(
                        "changed",
                        "task",
                        slug,
                        _("Task %(slug)s: %(attribute)s changed from %(old)s to %(new)s.")
                        % {"slug": slug, "attribute": attribute, "old": _show(before_value), "new": _show(after_value)},
                        before_value,
                        after_value,
                    )
                )
        before_role = task.assignee_role.slug if task.assignee_role else None
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
            _("Task %(slug)s input") % {"slug": slug}, task.input_schema, after.input_schema, "task", slug
        )
        changes += _compare_fields(
            _("Task %(slug)s output") % {"slug": slug}, task.output_schema, after.output_schema, "task", slug
        )

    def ends(transition: WorkflowTransition) -> tuple[str, str]:
        return (
            transition.from_task.slug if transition.from_task_id else _("start"),
            transition.to_task.slug if transition.to_task_id else _("end"),
        )

    old_transitions = {t.slug: t for t in old.transitions.select_related("from_task", "to_task")}
    new_transitions = {t.slug: t for t in new.transitions.select_related("from_task", "to_task")}
    for slug, transition in new_transitions.items():
        if slug not in old_transitions:
            source, target = ends(transition)
            changes.append(
                Change(
                    "added",
                    "transition",
                    slug,
                    _(
                        "Transition %(slug)s (%(source)s → %(target)s, priority %(priority)d, "
                        "condition %(condition)s) added."
                    )
                    % {
                        "slug": slug,
                        "source": source,
                        "target": target,
                        "priority": transition.priority,
                        "condition": _show(transition.condition),
                    },
                )
            )
    for slug, transition in old_transitions.items():
        if slug not in new_transitions:
            source, target = ends(transition)
            changes.append(
                Change(
                    "removed",
                    "transition",
                    slug,
                    _("Transition %(slug)s (%(source)s → %(target)s) removed.")
                    % {"slug": slug, "source": source, "target": target},
                )
            )
            continue
        after = new_transitions[slug]
        if ends(transition) != ends(after):
            changes.append(
                Change(
                    "changed",
                    "transition",
                    slug,
                    _("Transition %(slug)s now goes %(new)s instead of %(old)s.")
                    % {"slug": slug, "old": " → ".join(ends(transition)), "new": " → ".join(ends(after))},
                    " → ".join(ends(transition)),
                    " → ".join(ends(after)),
                )
            )
        for attribute in TRANSITION_ATTRIBUTES:
            before_value, after_value = getattr(transition, attribute), getattr(after, attribute)
            if before_value != after_value:
                changes.append(
                    Change(
                        "changed",
                        "transition",
                        slug,
                        _("Transition %(slug)s: %(attribute)s changed from %(old)s to %(new)s.")
                        % {"slug": slug, "attribute": attribute, "old": _show(before_value), "new": _show(after_value)},
                        before_value,
                        after_value,
                    )
                )
    return changes
