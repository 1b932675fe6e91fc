"""The workflow linter: every mistake that would strand a ticket at run time, found at design time.

`lint_workflow` returns findings (error or warning, a stable code, a message naming the
object at fault). The admin shows them beside the diagram, publishing refuses on any error,
and the API and imports report them. It reads a workflow with a constant number of queries
(tasks, transitions, ticket definitions, company roles), whatever the workflow's size.
"""

from __future__ import annotations

import json
from collections import defaultdict, deque
from dataclasses import asdict, dataclass
from typing import Any, Literal
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from users.access import company_roles_of
from workflow_design.models import TicketDefinition, WorkflowDefinition
from workflow_design.rules.cel import ConditionChecker, WorkflowConditionScopes, condition_field_references
from workflow_design.rules.field_schemas import field_list_errors, field_names
from workflow_design.rules.routing import routing_findings
from workflow_design.rules.structured_fields import layout_errors, role_access_errors

ERROR: Literal["error"] = "error"
WARNING: Literal["warning"] = "warning"

# Codes are part of the API: clients and imports match on them.
NO_START = "no-start"
UNREACHABLE_TASK = "unreachable-task"
NO_PATH_TO_END = "no-path-to-end"
DEAD_END_TASK = "dead-end-task"
DUPLICATE_PRIORITY = "duplicate-priority"
MULTIPLE_DEFAULTS = "multiple-defaults"
DEFAULT_NOT_LAST = "default-not-last"
NO_DEFAULT = "no-default"
CONDITION_ERROR = "condition-error"
TICKET_FIELDS_UNCHECKED = "ticket-fields-unchecked"
INVALID_FIELD_SCHEMA = "invalid-field-schema"
LAYOUT_UNKNOWN_FIELD = "layout-unknown-field"
UNKNOWN_ROLE = "unknown-role"

# Tasks and transitions are read as plain rows of the columns the rules use, not model instances
# (building instances cost more than the rules; see docs/performance.md): a rule reading more
# must add its column here.
TASK_COLUMNS = (
    "pk",
    "title",
    "slug",
    "position",
    "input_schema",
    "output_schema",
    "assignee_role_id",
    "assignee_role__company_id",
    "assignee_role__slug",
)
TRANSITION_COLUMNS = ("pk", "slug", "from_task_id", "to_task_id", "condition", "priority")


@dataclass(frozen=True, slots=True)
class _Role:
    company_id: int
    slug: str


@dataclass(frozen=True, slots=True)
class _Task:
    pk: int
    title: str
    slug: str
    position: int
    input_schema: Any
    output_schema: Any
    assignee_role: _Role | None

    @classmethod
    def from_row(cls, row: tuple) -> _Task:
        *own, role_id, role_company_id, role_slug = row
        return cls(*own, assignee_role=_Role(role_company_id, role_slug) if role_id is not None else None)


@dataclass(frozen=True, slots=True)
class _Transition:
    pk: int
    slug: str
    from_task_id: int | None
    to_task_id: int | None
    condition: str
    priority: int


WORKFLOW = "workflow"
TASK = "task"
TRANSITION = "transition"
TICKET_DEFINITION = "ticket_definition"


@dataclass(frozen=True)
class Finding:
    level: Literal["error", "warning"]
    code: str
    message: str
    object_type: str
    object_slug: str
    object_id: int | None
    # Where the finding points in a bundle document (RFC 6901), a one-line hint, and when the
    # fix is mechanical a JSON Patch (RFC 6902) making it: set by `rules.finding_pointers`.
    pointer: str = ""
    hint: str = ""
    patch: list[dict[str, Any]] | None = None
    # The ticket showing the problem, where the routing analysis found one (rules/routing/findings.py).
    counterexample: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        # The pointing keys appear once a document was pointed into.
        pointing = {"pointer": "", "hint": "", "patch": None, "counterexample": None}
        return {key: value for key, value in asdict(self).items() if key not in pointing or value != pointing[key]}

    @property
    def dry_run_query(self) -> str:
        """`values=…` for the dry-run page, opening it with the counterexample's values."""
        if not self.counterexample:
            return ""
        return urlencode({"values": json.dumps(self.counterexample.get("dry_run_values") or {})})

    @property
    def is_error(self) -> bool:
        return self.level == ERROR


def _task_name(task: _Task) -> str:
    return f'"{task.title}" ({task.slug})'


def _transition_name(transition: _Transition, tasks: dict[int, _Task]) -> str:
    source = tasks[transition.from_task_id].slug if transition.from_task_id in tasks else _("start")
    target = tasks[transition.to_task_id].slug if transition.to_task_id in tasks else _("end")
    return f"{transition.slug} ({source} → {target})"


class _Linter:
    def __init__(self, workflow: WorkflowDefinition, task_rows=None, transition_rows=None) -> None:
        self.workflow = workflow
        self.findings: list[Finding] = []
        if task_rows is None:
            task_rows = workflow.tasks.order_by("position", "id").values_list(*TASK_COLUMNS)
        if transition_rows is None:
            transition_rows = workflow.transitions.order_by("priority", "id").values_list(*TRANSITION_COLUMNS)
        self.tasks: dict[int, _Task] = {row[0]: _Task.from_row(row) for row in task_rows}
        self.transitions: list[_Transition] = [_Transition(*row) for row in transition_rows]
        # A workflow not saved yet (checked while it is designed) has no ticket definitions.
        self.tickets: list[TicketDefinition] = (
            list(workflow.ticket_definitions.order_by("slug", "version")) if workflow.pk is not None else []
        )
        self.role_slugs: set[str] = set(company_roles_of(workflow.company_id).values_list("slug", flat=True))
        self.outgoing: dict[int | None, list[_Transition]] = defaultdict(list)
        for transition in self.transitions:
            self.outgoing[transition.from_task_id].append(transition)

    def add(
        self,
        level: Literal["error", "warning"],
        code: str,
        message: str,
        obj: Any,
        counterexample: dict[str, Any] | None = None,
    ) -> None:
        if isinstance(obj, WorkflowDefinition):
            object_type = WORKFLOW
        elif isinstance(obj, _Task):
            object_type = TASK
        elif isinstance(obj, _Transition):
            object_type = TRANSITION
        else:
            object_type = TICKET_DEFINITION
        self.findings.append(
            Finding(level, code, message, object_type, obj.slug, obj.pk, counterexample=counterexample)
        )

    def run(self) -> list[Finding]:
        self.check_graph()
        self.check_branches()
        self.check_conditions()
        self.check_routing()
        self.check_schemas()
        self.check_ticket_definitions()
        self.check_roles()
        return self.findings

    # Graph -------------------------------------------------------------------------------
    def check_graph(self) -> None:
        starts = self.outgoing.get(None, [])
        if not starts:
            self.add(
                ERROR,
                NO_START,
                _(
                    "The workflow %(workflow)s has no start transition (one with an empty from task); "
                    "a new ticket would have nowhere to go."
                )
                % {"workflow": self.workflow.slug},
                self.workflow,
            )
        reachable = self._reachable_from_start()
        reaches_end = self._reaching_end()
        for task in self.tasks.values():
            if starts and task.pk not in reachable:
                self.add(
                    ERROR,
                    UNREACHABLE_TASK,
                    _("The task %(task)s cannot be reached from any start transition.") % {"task": _task_name(task)},
                    task,
                )
            if not self.outgoing.get(task.pk):
                self.add(
                    ERROR,
                    DEAD_END_TASK,
                    _(
                        "The task %(task)s has no outgoing transition; add one (to end the workflow, "
                        "leave its to task empty)."
                    )
                    % {"task": _task_name(task)},
                    task,
                )
            elif task.pk not in reaches_end:
                self.add(
                    ERROR,
                    NO_PATH_TO_END,
                    _(
                        "From the task %(task)s no end can be reached: every path loops without a transition "
                        "that ends the workflow."
                    )
                    % {"task": _task_name(task)},
                    task,
                )

    def _reachable_from_start(self) -> set[int]:
        seen: set[int] = set()
        queue = deque(t.to_task_id for t in self.outgoing.get(None, []) if t.to_task_id is not None)
        while queue:
            task_id = queue.popleft()
            if task_id in seen or task_id not in self.tasks:
                continue
            seen.add(task_id)
            queue.extend(t.to_task_id for t in self.outgoing.get(task_id, []) if t.to_task_id is not None)
        return seen

    def _reaching_end(self) -> set[int]:
        incoming: dict[int, list[int]] = defaultdict(list)
        queue: deque[int] = deque()
        for transition in self.transitions:
            if transition.from_task_id is None:
                continue
            if transition.to_task_id is None:
                queue.append(transition.from_task_id)
            else:
                incoming[transition.to_task_id].append(transition.from_task_id)
        seen: set[int] = set()
        while queue:
            task_id = queue.popleft()
            if task_id in seen:
                continue
            seen.add(task_id)
            queue.extend(incoming.get(task_id, []))
        return seen

    # Branches ----------------------------------------------------------------------------
    def check_branches(self) -> None:
        # Translated once per run, not once per task.
        the_task, the_start = _("the task %(task)s"), _("the start")
        for source_id, transitions in self.outgoing.items():
            source = self.tasks.get(source_id) if source_id is not None else None
            where = the_task % {"task": _task_name(source)} if source else the_start
            by_priority: dict[int, list[_Transition]] = defaultdict(list)
            for transition in transitions:
                by_priority[transition.priority].append(transition)
            for priority, same in by_priority.items():
                if len(same) > 1:
                    for transition in same[1:]:
                        self.add(
                            ERROR,
                            DUPLICATE_PRIORITY,
                            _(
                                "The transitions %(list)s leave %(where)s with the same priority %(priority)d; "
                                "the order they are tried in would be arbitrary."
                            )
                            % {
                                "list": ", ".join(_transition_name(t, self.tasks) for t in same),
                                "where": where,
                                "priority": priority,
                            },
                            transition,
                        )
            defaults = [t for t in transitions if not (t.condition or "").strip()]
            conditional = [t for t in transitions if (t.condition or "").strip()]
            for extra in defaults[1:]:
                self.add(
                    ERROR,
                    MULTIPLE_DEFAULTS,
                    _(
                        "%(where)s has more than one default (condition-less) transition: %(list)s; "
                        "only the first could ever be taken."
                    )
                    % {
                        "where": where[:1].upper() + where[1:],
                        "list": ", ".join(_transition_name(t, self.tasks) for t in defaults),
                    },
                    extra,
                )
            if defaults:
                first_default = defaults[0]
                shadowed = [t for t in transitions if t.priority > first_default.priority and t is not first_default]
                shadowed = [t for t in shadowed if t not in defaults]
                if shadowed:
                    self.add(
                        ERROR,
                        DEFAULT_NOT_LAST,
                        _(
                            "The default transition %(default)s of %(where)s is not the last by priority; "
                            "it would always be taken before %(list)s. Give it the highest priority number."
                        )
                        % {
                            "default": _transition_name(first_default, self.tasks),
                            "where": where,
                            "list": ", ".join(_transition_name(t, self.tasks) for t in shadowed),
                        },
                        first_default,
                    )
            elif conditional:
                holder: Any = source if source is not None else self.workflow
                self.add(
                    WARNING,
                    NO_DEFAULT,
                    _(
                        "Every transition leaving %(where)s has a condition and none is a default; "
                        "a ticket for which no condition is true would get stuck there."
                    )
                    % {"where": where},
                    holder,
                )

    # Conditions --------------------------------------------------------------------------
    def check_conditions(self) -> None:
        # Made once per run: the workflow's and ticket definitions' fields are read once, and
        # a condition repeated over tasks with the same output form is checked once.
        scopes = WorkflowConditionScopes(workflow=self.workflow, ticket_definitions=self.tickets)
        checker = ConditionChecker()
        uses_ticket_fields = False
        self.condition_error_ids: set[int] = set()
        for transition in self.transitions:
            condition = (transition.condition or "").strip()
            if not condition:
                continue
            source = self.tasks.get(transition.from_task_id) if transition.from_task_id else None
            for message in checker.errors(condition, scopes.for_task(source)):
                self.condition_error_ids.add(transition.pk)
                self.add(
                    ERROR,
                    CONDITION_ERROR,
                    _("The condition of the transition %(transition)s: %(message)s")
                    % {"transition": _transition_name(transition, self.tasks), "message": message},
                    transition,
                )
            if any(ref.startswith("ticket.") for ref in condition_field_references(condition)):
                uses_ticket_fields = True
        if uses_ticket_fields and not self.tickets:
            self.add(
                WARNING,
                TICKET_FIELDS_UNCHECKED,
                _(
                    "Conditions use ticket fields, but no ticket definition uses this workflow yet, so those "
                    "fields cannot be checked."
                ),
                self.workflow,
            )

    # Routing ----------------------------------------------------------------------------
    def check_routing(self) -> None:
        """What the conditions mean (rules/routing); the no-default warning stays only where undecided."""
        result = routing_findings(
            workflow=self.workflow,
            tasks=self.tasks,
            outgoing=self.outgoing,
            ticket_field_lists=[ticket.fields for ticket in self.tickets],
            condition_error_ids=self.condition_error_ids,
            task_name=_task_name,
            transition_name=lambda transition: _transition_name(transition, self.tasks),
        )
        decided = {(TASK, s) if s is not None else (WORKFLOW, self.workflow.pk) for s in result.proven_sources}
        self.findings = [
            f for f in self.findings if f.code != NO_DEFAULT or (f.object_type, f.object_id) not in decided
        ]
        for found in result.findings:
            self.add(found.level, found.code, found.message, found.holder, found.counterexample)  # type: ignore[arg-type]

    # Schemas, layouts, roles -------------------------------------------------------------
    def check_schemas(self) -> None:
        for message in field_list_errors(self.workflow.fields):
            self.add(
                ERROR,
                INVALID_FIELD_SCHEMA,
                _("Workflow fields: %(message)s") % {"message": message},
                self.workflow,
            )
        for message in layout_errors(self.workflow.display_layout, field_names(self.workflow.fields)):
            self.add(
                ERROR,
                LAYOUT_UNKNOWN_FIELD,
                _("The workflow's display layout: %(message)s") % {"message": message},
                self.workflow,
            )
        input_label, output_label = _("input fields"), _("output fields")
        for task in self.tasks.values():
            for label, fields in ((input_label, task.input_schema), (output_label, task.output_schema)):
                for message in field_list_errors(fields):
                    self.add(
                        ERROR,
                        INVALID_FIELD_SCHEMA,
                        _("The %(which)s of the task %(task)s: %(message)s")
                        % {"which": label, "task": _task_name(task), "message": message},
                        task,
                    )

    def check_ticket_definitions(self) -> None:
        for ticket in self.tickets:
            name = f'"{ticket.title}" ({ticket.slug} v{ticket.version})'
            for message in field_list_errors(ticket.fields):
                self.add(
                    ERROR,
                    INVALID_FIELD_SCHEMA,
                    _("The fields of the ticket definition %(ticket)s: %(message)s")
                    % {"ticket": name, "message": message},
                    ticket,
                )
            names = field_names(ticket.fields)
            for label, layout in ((_("edit layout"), ticket.edit_layout), (_("display layout"), ticket.display_layout)):
                for message in layout_errors(layout, names):
                    self.add(
                        ERROR,
                        LAYOUT_UNKNOWN_FIELD,
                        _("The %(which)s of the ticket definition %(ticket)s: %(message)s")
                        % {"which": label, "ticket": name, "message": message},
                        ticket,
                    )
            for message in role_access_errors(ticket.company_role_access, self.role_slugs):
                self.add(
                    ERROR,
                    UNKNOWN_ROLE,
                    _("The role access of the ticket definition %(ticket)s: %(message)s")
                    % {"ticket": name, "message": message},
                    ticket,
                )

    def check_roles(self) -> None:
        for task in self.tasks.values():
            role = task.assignee_role
            if role is not None and role.company_id != self.workflow.company_id:
                self.add(
                    ERROR,
                    UNKNOWN_ROLE,
                    _("The task %(task)s is assigned to the role %(role)s, which is not a role of this company.")
                    % {"task": _task_name(task), "role": role.slug},
                    task,
                )


def lint_workflow(workflow: WorkflowDefinition) -> list[Finding]:
    """All findings for one workflow, its tasks, transitions and the ticket definitions using it."""
    return _Linter(workflow).run()


def lint_workflow_rows(workflow: WorkflowDefinition, task_rows, transition_rows) -> list[Finding]:
    """The findings for rows not saved (a page being edited): tuples of `TASK_COLUMNS` and
    `TRANSITION_COLUMNS`, the pks any distinct ints. The workflow's own fields are read from
    the instance given, which need not be saved either."""
    tasks = sorted(task_rows, key=lambda row: (row[3], row[0]))
    transitions = sorted(transition_rows, key=lambda row: (row[5], row[0]))
    return _Linter(workflow, tasks, transitions).run()


def lint_errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.is_error]


def highlighted_task_ids(findings: list[Finding], workflow: WorkflowDefinition | None = None) -> set[int]:
    """Task ids to mark in the diagram: tasks at fault, and the source task of a faulty transition."""
    ids = {f.object_id for f in findings if f.object_type == TASK and f.object_id is not None}
    transition_ids = {f.object_id for f in findings if f.object_type == TRANSITION and f.object_id is not None}
    if transition_ids and workflow is not None:
        ids |= set(
            workflow.transitions.filter(pk__in=transition_ids, from_task__isnull=False).values_list(
                "from_task_id", flat=True
            )
        )
    return ids


__all__ = ["ERROR", "WARNING", "Finding", "highlighted_task_ids", "lint_errors", "lint_workflow", "lint_workflow_rows"]
