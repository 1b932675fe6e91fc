"""A BPMN process as a workflow bundle, with a fidelity report of what became of every element.

Tasks stay tasks; sequence flows become transitions; exclusive gateways and intermediate events
are folded into the transitions that pass through them (conditions joined with `&&`, tried in the
gateway's order, its default flow last); start and end events become start and end
transitions; lanes and candidate groups become company roles; Camunda forms become task forms.
What the product cannot represent is approximated or dropped, and the report says which and why,
element by element. The bundle then goes through the same import as any other bundle.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET  # noqa: S405 - parsed elements only; parsing is xml_reader's
from dataclasses import dataclass
from typing import Any

from django.utils.text import slugify
from django.utils.translation import gettext as _

from workflow_design.files.bpmn import conditions as cond
from workflow_design.files.bpmn.forms import field_name, form_data_fields, form_json_fields
from workflow_design.files.bpmn.report import (
    APPROXIMATED,
    DROPPED,
    KEPT,
    NOT_KEPT,
    TRANSLATED,
    ProcessImport,
    ReportEntry,
)
from workflow_design.files.bpmn.xml_reader import (
    BPMN,
    CAMUNDA,
    CEL_LANGUAGE,
    TICKETFLOWER,
    ZEEBE,
    local_name,
    namespace_of,
    q,
)
from workflow_design.files.bundles import BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION
from workflow_design.models.slugs import free_slug

PERSON_TASKS = {"userTask", "manualTask", "task"}
OTHER_ACTIVITIES = {"serviceTask", "scriptTask", "sendTask", "receiveTask", "businessRuleTask", "callActivity"}
GATEWAYS = {"exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway"}
PASSING_EVENTS = {"intermediateCatchEvent", "intermediateThrowEvent"}
_SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,80}$")


@dataclass
class _Flow:
    element: ET.Element
    id: str
    source: str
    target: str


def _text(element: ET.Element | None) -> str:
    return "".join(element.itertext()).strip() if element is not None else ""


def _extension(element: ET.Element, name: str) -> Any:
    """Our own data on an element (JSON in a `tf:` extension), or None."""
    found = element.find(f"{q(BPMN, 'extensionElements')}/{q(TICKETFLOWER, name)}")
    if found is None or not (found.text or "").strip():
        return None
    try:
        return json.loads(found.text)
    except ValueError:
        return None


def _unique(base: str, taken: set[str], limit: int = 80) -> str:
    """The models' `free_slug` among the slugs this file already gave; the one chosen is taken."""
    slug = free_slug(base or "item", taken, max_length=limit)
    taken.add(slug)
    return slug


def _slug_for(raw_id: str, name: str, taken: set[str]) -> str:
    base = raw_id if _SLUG.match(raw_id or "") else slugify(name) or slugify(raw_id)
    return _unique(base, taken)


class ProcessReader:
    def __init__(self, process: ET.Element, title: str, forms: dict[str, Any]) -> None:
        self.process = process
        self.title = title
        self.forms = forms
        self.report: list[ReportEntry] = []
        self.nodes: dict[str, ET.Element] = {}
        self.flows: dict[str, _Flow] = {}
        self.outgoing: dict[str, list[_Flow]] = {}
        self.lane_of: dict[str, str] = {}
        self.roles: dict[str, str] = {}  # slug → name
        self.tasks: dict[str, dict[str, Any]] = {}  # element id → task row
        self.workflow_fields: dict[str, str] = {}  # name → type
        self.used_flows: set[str] = set()
        self.reported: set[str] = set()

    def note(self, element: ET.Element | None, outcome: str, reason: str, element_id: str = "") -> None:
        kind = local_name(element.tag) if element is not None else ""
        element_id = element_id or (element.get("id", "") if element is not None else "")
        self.reported.add(element_id)
        self.report.append(ReportEntry(element_id, kind, outcome, reason))

    # Reading --------------------------------------------------------------------------------

    def read(self) -> ProcessImport:
        for child in self.process:
            self.read_child(child)
        self.read_lanes()
        self.make_tasks()
        transitions = self.make_transitions()
        for flow in self.flows.values():
            if flow.id in self.used_flows:
                continue
            source = self.nodes.get(flow.source)
            if source is not None and local_name(source.tag) == "boundaryEvent":
                reason = _("It leaves the boundary event %(id)s, which is dropped.") % {"id": flow.source}
                self.note(flow.element, DROPPED, reason)
            else:
                self.note(flow.element, DROPPED, _("No path from a start event or task passes through this flow."))
        bundle = self.bundle(transitions)
        self.note(self.process, KEPT, _("The workflow “%(slug)s”.") % {"slug": bundle["workflow"]["slug"]})
        return ProcessImport(self.process.get("id", ""), bundle, self.report)

    def read_child(self, child: ET.Element) -> None:
        if namespace_of(child.tag) != BPMN:
            return
        kind = local_name(child.tag)
        if kind in ("extensionElements", "documentation", "laneSet"):
            return
        if kind == "sequenceFlow":
            flow = _Flow(child, child.get("id", ""), child.get("sourceRef", ""), child.get("targetRef", ""))
            self.flows[flow.id] = flow
            self.outgoing.setdefault(flow.source, []).append(flow)
        elif kind in NOT_KEPT:
            self.note(child, DROPPED, str(NOT_KEPT[kind]))
        elif kind == "boundaryEvent":
            self.nodes[child.get("id", "")] = child
            self.note(
                child,
                DROPPED,
                _(
                    "Boundary events (timers, errors, messages on a task) are not supported; the paths leaving it are "
                    "dropped with it."
                ),
            )
        elif kind in PERSON_TASKS | OTHER_ACTIVITIES | GATEWAYS | PASSING_EVENTS | {
            "startEvent",
            "endEvent",
            "subProcess",
            "adHocSubProcess",
            "transaction",
        }:
            self.nodes[child.get("id", "")] = child
        else:
            self.note(child, DROPPED, _("This element is not supported."))

    def read_lanes(self) -> None:
        for lane in self.process.iter(q(BPMN, "lane")):
            name = lane.get("name") or lane.get("id", "")
            refs = [ref.text.strip() for ref in lane.findall(q(BPMN, "flowNodeRef")) if ref.text]
            if lane.find(f"{q(BPMN, 'childLaneSet')}") is not None:
                continue  # the innermost lane names the role
            slug = slugify(name)[:80] or slugify(lane.get("id", ""))
            if refs:
                self.roles.setdefault(slug, name)
                for ref in refs:
                    self.lane_of[ref] = slug
            self.note(lane, TRANSLATED, _("The lane is the company role “%(slug)s” of its tasks.") % {"slug": slug})

    # Tasks ----------------------------------------------------------------------------------

    def role_of(self, element: ET.Element) -> str | None:
        groups = element.get(q(CAMUNDA, "candidateGroups"))
        assignment = element.find(f"{q(BPMN, 'extensionElements')}/{q(ZEEBE, 'assignmentDefinition')}")
        if not groups and assignment is not None:
            groups = assignment.get("candidateGroups", "")
        if groups:
            names = [g.strip() for g in groups.strip("=[] ").replace('"', "").split(",") if g.strip()]
            if names:
                if len(names) > 1:
                    self.note(
                        element,
                        APPROXIMATED,
                        _("A task has one role: the first candidate group (“%(name)s”) is kept.") % {"name": names[0]},
                    )
                slug = slugify(names[0])[:80]
                self.roles.setdefault(slug, names[0])
                return slug
        return self.lane_of.get(element.get("id", ""))

    def form_of(self, element: ET.Element) -> list[dict[str, Any]]:
        extensions = element.find(q(BPMN, "extensionElements"))
        fields, notes = form_data_fields(extensions)
        if not fields and extensions is not None:
            link = extensions.find(q(ZEEBE, "formDefinition"))
            key = ""
            if link is not None:
                key = link.get("formId") or link.get("formKey", "")
            key = key.rsplit(":", 1)[-1]
            if key:
                if key in self.forms:
                    fields, notes = form_json_fields(self.forms[key])
                else:
                    self.note(
                        element,
                        APPROXIMATED,
                        _("Its form “%(key)s” is not in this upload: the task has no form fields.") % {"key": key},
                    )
        for text in notes:
            self.note(element, APPROXIMATED, _("Form: %(note)s.") % {"note": text})
        return fields

    def make_tasks(self) -> None:
        taken: set[str] = set()
        ordered = self.reachable_order()
        for element_id in ordered:
            element = self.nodes[element_id]
            kind = local_name(element.tag)
            if kind not in PERSON_TASKS | OTHER_ACTIVITIES and "ubProcess" not in kind and kind != "transaction":
                continue
            ours = _extension(element, "task") or {}
            name = element.get("name") or element_id
            row = {
                "slug": _unique(ours["slug"], taken)
                if isinstance(ours.get("slug"), str)
                else _slug_for(element_id, name, taken),
                "title": name.strip()[:200] or element_id,
                "description": ours.get("description", _text(element.find(q(BPMN, "documentation")))),
                "task_type": "FORM",
                "position": len(self.tasks) + 1,
                "assignee_role": ours["assignee_role"] if "assignee_role" in ours else self.role_of(element),
                "input_schema": ours.get("input_schema", []),
                "output_schema": ours["output_schema"] if "output_schema" in ours else self.form_of(element),
            }
            if ours.get("assignee_role"):
                self.roles.setdefault(ours["assignee_role"], ours["assignee_role"])
            self.tasks[element_id] = row
            if kind in PERSON_TASKS:
                self.note(element, KEPT, _("A task “%(slug)s”.") % {"slug": row["slug"]})
            elif kind in OTHER_ACTIVITIES:
                self.note(
                    element,
                    APPROXIMATED,
                    _("A %(kind)s is done by a person here: it is the task “%(slug)s”.")
                    % {"kind": kind, "slug": row["slug"]},
                )
            else:
                self.note(
                    element,
                    APPROXIMATED,
                    _("A sub-process is one task here (“%(slug)s”); what it holds is not kept.")
                    % {"slug": row["slug"]},
                )
                for inner in element.iter():
                    if inner is not element and inner.get("id") and namespace_of(inner.tag) == BPMN:
                        self.note(inner, DROPPED, _("Inside the sub-process “%(id)s”.") % {"id": element_id})

    def reachable_order(self) -> list[str]:
        """Element ids from the start events on, breadth first, then the rest in file order."""
        order = [i for i, e in self.nodes.items() if local_name(e.tag) == "startEvent"]
        seen = set(order)
        for current in order:  # grows while it is walked: breadth first
            for flow in self.outgoing.get(current, []):
                if flow.target in self.nodes and flow.target not in seen:
                    seen.add(flow.target)
                    order.append(flow.target)
        return order + [i for i in self.nodes if i not in seen]

    # Transitions ----------------------------------------------------------------------------

    def ordered_flows(self, element: ET.Element) -> list[_Flow]:
        flows = self.outgoing.get(element.get("id", ""), [])
        default = element.get("default")
        return [f for f in flows if f.id != default] + [f for f in flows if f.id == default]

    def condition_of(self, flow: _Flow, source_task: dict[str, Any] | None) -> str:
        ours = _extension(flow.element, "transition")
        if isinstance(ours, dict) and isinstance(ours.get("condition"), str):
            return ours["condition"]
        expression = flow.element.find(q(BPMN, "conditionExpression"))
        text = _text(expression)
        if not text:
            return ""
        if expression is not None and expression.get("language") == CEL_LANGUAGE:
            return text
        outputs = {f.get("name") for f in (source_task or {}).get("output_schema", []) if isinstance(f, dict)}

        def resolve(name: str) -> str:
            own = field_name(name)
            return f"output.{own}" if own in outputs else f"workflow.{own}"

        translation = cond.translate_condition(text, resolve)
        if translation.cel is None:
            self.note(
                flow.element,
                APPROXIMATED,
                _(
                    "Condition “%(text)s” was not translated (%(reason)s); the transition has the condition `false` "
                    "until you write it in CEL."
                )
                % {"text": text[:120], "reason": translation.reason},
            )
            return "false"
        for name, kind in translation.names.items():
            own = field_name(name)
            if own not in outputs and own not in self.workflow_fields:
                self.workflow_fields[own] = kind
        self.note(
            flow.element,
            TRANSLATED,
            _("Condition “%(text)s” is `%(cel)s`.") % {"text": text[:120], "cel": translation.cel},
        )
        return translation.cel

    def routes(self, element: ET.Element, source_task, guard: list[str], passing: set[str]) -> list[tuple]:
        """(target element id or None for an end, conditions, the flow entering the target, flows used)."""
        found = []
        flows = self.ordered_flows(element)
        kind = local_name(element.tag)
        if kind not in GATEWAYS and len(flows) > 1 and not element.get("default"):
            unconditional = [f for f in flows if not _text(f.element.find(q(BPMN, "conditionExpression")))]
            if len(unconditional) > 1:
                self.note(
                    element,
                    APPROXIMATED,
                    _("Its %(n)d outgoing flows run in parallel in BPMN; here a ticket follows one path: the first.")
                    % {"n": len(unconditional)},
                )
        for flow in flows:
            if flow.target not in self.nodes:
                continue
            target = self.nodes[flow.target]
            target_kind = local_name(target.tag)
            condition = "" if flow.id == element.get("default") else self.condition_of(flow, source_task)
            conditions = [*guard, condition] if condition else list(guard)
            if target_kind in GATEWAYS | PASSING_EVENTS:
                if flow.target in passing:
                    self.note(flow.element, DROPPED, _("A loop of gateways and events with no task in it."))
                    continue
                self.used_flows.add(flow.id)
                for target_id, target_conditions, entering, used in self.routes(
                    target, source_task, conditions, passing | {flow.target}
                ):
                    found.append((target_id, target_conditions, entering, [flow, *used]))
            elif target_kind == "endEvent":
                found.append((None, conditions, flow, [flow]))
            elif target_kind == "boundaryEvent" or target_kind == "startEvent":
                continue
            else:
                found.append((flow.target, conditions, flow, [flow]))
        return found

    def make_transitions(self) -> list[dict[str, Any]]:
        transitions: list[dict[str, Any]] = []
        taken: set[str] = set()
        sources = [i for i, e in self.nodes.items() if local_name(e.tag) == "startEvent"] + list(self.tasks)
        for source_id in sources:
            element = self.nodes[source_id]
            source_task = self.tasks.get(source_id)
            for priority, (target_id, conditions, entering, used) in enumerate(
                self.routes(element, source_task, [], set()), start=1
            ):
                target_task = self.tasks.get(target_id) if target_id else None
                if source_task is None and target_task is None:
                    self.note(entering.element, DROPPED, _("A start event straight to an end event does nothing."))
                    continue
                ours = _extension(entering.element, "transition") or {}
                from_slug = source_task["slug"] if source_task else None
                to_slug = target_task["slug"] if target_task else None
                slug = ours.get("slug") if isinstance(ours.get("slug"), str) else None
                if slug is None:
                    direct = len(used) == 1 and _SLUG.match(entering.id or "")
                    slug = entering.id if direct else f"{from_slug or 'start'}-to-{to_slug or 'end'}"
                condition = " && ".join(f"({c})" if len(conditions) > 1 else c for c in conditions)
                transitions.append(
                    {
                        "slug": _unique(slug, taken, 120),
                        "from_task": from_slug,
                        "to_task": to_slug,
                        "condition": condition,
                        "priority": ours.get("priority", priority * 10)
                        if isinstance(ours.get("priority", 0), int)
                        else priority * 10,
                    }
                )
                for flow in used:
                    self.used_flows.add(flow.id)
                self.note_route(element, used, target_id)
        return transitions

    def note_route(self, source: ET.Element, used: list[_Flow], target_id: str | None) -> None:
        for flow in used:
            if flow.id in self.reported:
                continue
            passes = len(used) > 1
            self.note(
                flow.element,
                TRANSLATED if passes else KEPT,
                _("Part of a transition through gateways or events.") if passes else _("A transition."),
            )
            target = self.nodes.get(flow.target)
            if target is not None and flow.target not in self.reported:
                self.note_node(target)
        if source.get("id") not in self.reported:
            self.note_node(source)

    def note_node(self, element: ET.Element) -> None:
        kind = local_name(element.tag)
        has_definition = any(local_name(child.tag).endswith("EventDefinition") for child in element)
        if kind == "exclusiveGateway":
            self.note(element, TRANSLATED, _("Folded into the transitions that pass through it, tried in its order."))
        elif kind in GATEWAYS:
            self.note(
                element,
                APPROXIMATED,
                _("A %(kind)s becomes an exclusive choice: a ticket follows one path, the first whose condition holds.")
                % {"kind": kind},
            )
        elif kind in PASSING_EVENTS:
            self.note(element, APPROXIMATED, _("The flow passes through this event without waiting."))
        elif kind in ("startEvent", "endEvent"):
            if has_definition:
                self.note(
                    element,
                    APPROXIMATED,
                    _("Its trigger or result is not kept: a plain start (a ticket is created) or end."),
                )
            else:
                self.note(element, KEPT, _("Start transitions.") if kind == "startEvent" else _("End transitions."))

    # The document ---------------------------------------------------------------------------

    def bundle(self, transitions: list[dict[str, Any]]) -> dict[str, Any]:
        ours = _extension(self.process, "workflow") or {}
        slug = ours.get("slug") or slugify(self.process.get("id", "")) or slugify(self.title) or "workflow"
        fields = ours.get("fields") or [
            {"name": name, "label": name.replace("_", " ").capitalize(), "type": kind, "required": False}
            for name, kind in self.workflow_fields.items()
        ]
        for name in self.workflow_fields:
            self.report.append(
                ReportEntry(
                    self.process.get("id", ""),
                    "process",
                    TRANSLATED,
                    _(
                        "Conditions read “%(name)s”, which no task's form before them has: it is the workflow field "
                        "workflow.%(name)s."
                    )
                    % {"name": name},
                )
            )
        roles = ours.get("roles") or [{"slug": s, "name": n[:120]} for s, n in sorted(self.roles.items())]
        return {
            "format": BUNDLE_FORMAT,
            "format_version": BUNDLE_FORMAT_VERSION,
            "workflow": {
                "slug": slug[:80],
                "title": (ours.get("title") or self.title)[:200],
                "description": ours.get("description", _text(self.process.find(q(BPMN, "documentation")))),
                "ext_ref": ours.get("ext_ref", []),
                "fields": fields,
                "display_layout": ours.get("display_layout", []),
            },
            "tasks": list(self.tasks.values()),
            "transitions": transitions,
            "tickets": ours.get("tickets", []),
            "roles": roles,
        }
