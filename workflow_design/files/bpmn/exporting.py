"""A workflow as BPMN 2.0 XML with its diagram (BPMNDI), for Camunda Modeler, bpmn.io and the like.

Each task is a user task; a task's (or the start's) outgoing transitions leave through an
exclusive gateway, their conditions on its flows in priority order, the first unconditional one
its default flow. Shapes and edges are placed by the product's own diagram layout. What BPMN
cannot say (slugs, field lists, CEL, priorities, role slugs, ticket definitions) rides in the
`tf:` extension namespace, so an export imported again gives back the same workflow.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET  # noqa: S405 - writing only; nothing is parsed here
from typing import Any

from workflow_design.files.bpmn.xml_reader import BPMN, BPMNDI, CAMUNDA, CEL_LANGUAGE, DC, DI, TICKETFLOWER, q
from workflow_design.files.bundles import bundle_export
from workflow_design.rules.diagram import END, START, workflow_layout

XSI = "http://www.w3.org/2001/XMLSchema-instance"
# The prefixes modelers write (ElementTree otherwise invents ns0, ns1…), registered once on import.
for _prefix, _namespace in {
    "bpmn": BPMN,
    "bpmndi": BPMNDI,
    "dc": DC,
    "di": DI,
    "camunda": CAMUNDA,
    "tf": TICKETFLOWER,
    "xsi": XSI,
}.items():
    ET.register_namespace(_prefix, _namespace)

EVENT_SIZE, GATEWAY_SIZE = 36.0, 50.0


def _id(prefix: str, slug: str) -> str:
    """An XML id (an NCName) from a slug."""
    return f"{prefix}_{re.sub(r'[^A-Za-z0-9_.-]', '_', slug)}"


def _ours(parent: ET.Element, name: str, data: Any) -> None:
    extensions = ET.SubElement(parent, q(BPMN, "extensionElements"))
    ET.SubElement(extensions, q(TICKETFLOWER, name)).text = json.dumps(data, ensure_ascii=False, sort_keys=True)


def _documentation(parent: ET.Element, text: str) -> None:
    if text:
        ET.SubElement(parent, q(BPMN, "documentation")).text = text


def _bounds(shape: ET.Element, x: float, y: float, width: float, height: float) -> None:
    ET.SubElement(
        shape, q(DC, "Bounds"), {"x": f"{x:.0f}", "y": f"{y:.0f}", "width": f"{width:.0f}", "height": f"{height:.0f}"}
    )


class _Writer:
    def __init__(self, document: dict[str, Any], layout) -> None:
        self.document = document
        self.layout = layout
        self.task_ids = {task["slug"]: _id("Task", task["slug"]) for task in document["tasks"]}
        self.root = ET.Element(
            q(BPMN, "definitions"),
            {
                "id": _id("Definitions", document["workflow"]["slug"]),
                "targetNamespace": "urn:ticketflower:workflow",
                "exporter": "TicketFlower",
                "exporterVersion": "1",
            },
        )
        self.process_id = _id("Process", document["workflow"]["slug"])
        self.process = ET.SubElement(
            self.root,
            q(BPMN, "process"),
            {"id": self.process_id, "name": document["workflow"]["title"], "isExecutable": "true"},
        )
        plane = ET.SubElement(
            ET.SubElement(self.root, q(BPMNDI, "BPMNDiagram"), {"id": "Diagram_1"}),
            q(BPMNDI, "BPMNPlane"),
            {"id": "Plane_1", "bpmnElement": self.process_id},
        )
        self.plane = plane
        self.centres: dict[str, tuple[float, float, float, float]] = {}

    def write(self) -> bytes:
        workflow = self.document["workflow"]
        _documentation(self.process, workflow.get("description", ""))
        _ours(
            self.process, "workflow", {**workflow, "tickets": self.document["tickets"], "roles": self.document["roles"]}
        )
        self.event("startEvent", "StartEvent_1", START)
        for task in self.document["tasks"]:
            self.task(task)
        self.event("endEvent", "EndEvent_1", END)
        by_source: dict[str | None, list[dict[str, Any]]] = {}
        for transition in self.document["transitions"]:
            by_source.setdefault(transition["from_task"], []).append(transition)
        for source, transitions in by_source.items():
            self.leave(source, sorted(transitions, key=lambda t: (t["priority"], t["slug"])))
        ET.indent(self.root, space="  ")
        return ET.tostring(self.root, encoding="utf-8", xml_declaration=True) + b"\n"

    def shape(self, element_id: str, box, width: float | None = None, height: float | None = None) -> None:
        x, y, w, h = box
        width, height = width or w, height or h
        left, top = x - width / 2, y - height / 2
        self.centres[element_id] = (x, y, width, height)
        shape = ET.SubElement(self.plane, q(BPMNDI, "BPMNShape"), {"id": f"{element_id}_di", "bpmnElement": element_id})
        _bounds(shape, left, top, width, height)

    def event(self, kind: str, element_id: str, key: str) -> None:
        ET.SubElement(self.process, q(BPMN, kind), {"id": element_id, "name": "Start" if key == START else "End"})
        self.shape(element_id, self.layout.start if key == START else self.layout.end, EVENT_SIZE, EVENT_SIZE)

    def task(self, task: dict[str, Any]) -> None:
        attributes = {"id": self.task_ids[task["slug"]], "name": task["title"]}
        if task.get("assignee_role"):
            attributes[q(CAMUNDA, "candidateGroups")] = task["assignee_role"]
        element = ET.SubElement(self.process, q(BPMN, "userTask"), attributes)
        _documentation(element, task.get("description", ""))
        _ours(element, "task", task)
        self.shape(attributes["id"], self.layout.tasks[task["slug"]])

    def element_of(self, slug: str | None, end: bool) -> str:
        if slug is None:
            return "EndEvent_1" if end else "StartEvent_1"
        return self.task_ids[slug]

    def flow(self, flow_id: str, source: str, target: str, condition: str = "", transition=None) -> ET.Element:
        flow = ET.SubElement(
            self.process, q(BPMN, "sequenceFlow"), {"id": flow_id, "sourceRef": source, "targetRef": target}
        )
        if transition is not None:
            _ours(flow, "transition", {k: transition[k] for k in ("slug", "condition", "priority")})
            if condition:
                flow.set("name", condition[:60])
        if condition:
            expression = ET.SubElement(
                flow,
                q(BPMN, "conditionExpression"),
                {q(XSI, "type"): "bpmn:tFormalExpression", "language": CEL_LANGUAGE},
            )
            expression.text = condition
        self.edge(flow_id, source, target)
        return flow

    def edge(self, flow_id: str, source: str, target: str) -> None:
        edge = ET.SubElement(self.plane, q(BPMNDI, "BPMNEdge"), {"id": f"{flow_id}_di", "bpmnElement": flow_id})
        (sx, sy, sw, sh), (tx, ty, tw, th) = self.centres[source], self.centres[target]
        for x, y in ((sx, sy + sh / 2), (tx, ty - th / 2)) if ty > sy else ((sx + sw / 2, sy), (tx - tw / 2, ty)):
            ET.SubElement(edge, q(DI, "waypoint"), {"x": f"{x:.0f}", "y": f"{y:.0f}"})

    def leave(self, source_slug: str | None, transitions: list[dict[str, Any]]) -> None:
        source = self.element_of(source_slug, end=False)
        if len(transitions) == 1 and not transitions[0]["condition"] and source_slug is not None:
            transition = transitions[0]
            self.flow(
                _id("Flow", transition["slug"]),
                source,
                self.element_of(transition["to_task"], end=True),
                "",
                transition,
            )
            return
        gateway = _id("Gateway", source_slug or "start")
        element = ET.SubElement(self.process, q(BPMN, "exclusiveGateway"), {"id": gateway})
        x, y, w, h = self.centres[source]
        gap = 30 + GATEWAY_SIZE / 2
        self.centres[gateway] = (x, y + h / 2 + gap, GATEWAY_SIZE, GATEWAY_SIZE)
        shape = ET.SubElement(self.plane, q(BPMNDI, "BPMNShape"), {"id": f"{gateway}_di", "bpmnElement": gateway})
        _bounds(shape, x - GATEWAY_SIZE / 2, y + h / 2 + gap - GATEWAY_SIZE / 2, GATEWAY_SIZE, GATEWAY_SIZE)
        self.flow(_id("Flow", f"to_{gateway}"), source, gateway)
        default = None
        for transition in transitions:
            flow_id = _id("Flow", transition["slug"])
            target = self.element_of(transition["to_task"], end=True)
            self.flow(flow_id, gateway, target, transition["condition"], transition)
            if default is None and not transition["condition"]:
                default = flow_id
        if default is not None:
            element.set("default", default)


def bpmn_filename(workflow) -> str:
    return f"{workflow.slug}-v{workflow.version}.bpmn"


def bpmn_export(*, workflow) -> bytes:
    """The workflow as BPMN 2.0 XML (UTF-8), diagram included."""
    document = bundle_export(workflow=workflow)
    layout = workflow_layout(document["tasks"], document["transitions"])
    return _Writer(document, layout).write()
