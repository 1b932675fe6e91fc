"""BPMN import (dry run) of a Camunda-style file and of our own export: time and queries by size."""

from __future__ import annotations

from bench.build_data import Sizes
from bench.measuring import QueryCounter, median_time, ms
from bench.report import Report, Row


def camunda_style_file(tasks: int) -> bytes:
    """start → t0 → gateway → t1 → … → end, each gateway with a FEEL condition and a default
    flow to the end, the tasks with Camunda 7 form fields: what a modeler's file holds."""
    form = (
        '<bpmn:extensionElements><camunda:formData><camunda:formField id="amount" label="Amount" type="long"/>'
        '<camunda:formField id="ok" label="OK" type="boolean"/></camunda:formData></bpmn:extensionElements>'
    )
    nodes = "".join(f'<bpmn:userTask id="t{i}" name="Step {i}">{form}</bpmn:userTask>' for i in range(tasks))
    flows = ['<bpmn:sequenceFlow id="f_start" sourceRef="s" targetRef="t0"/>']
    for i in range(tasks - 1):
        flows += [
            f'<bpmn:exclusiveGateway id="g{i}" default="d{i}"/>',
            f'<bpmn:sequenceFlow id="f{i}" sourceRef="t{i}" targetRef="g{i}"/>',
            f'<bpmn:sequenceFlow id="c{i}" sourceRef="g{i}" targetRef="t{i + 1}">'
            f"<bpmn:conditionExpression>=amount &gt; {i} and ok</bpmn:conditionExpression></bpmn:sequenceFlow>",
            f'<bpmn:sequenceFlow id="d{i}" sourceRef="g{i}" targetRef="e"/>',
        ]
    flows.append(f'<bpmn:sequenceFlow id="f_end" sourceRef="t{tasks - 1}" targetRef="e"/>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
        ' xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://bpmn.io/schema/bpmn">'
        f'<bpmn:process id="bench" isExecutable="true"><bpmn:startEvent id="s"/>{nodes}<bpmn:endEvent id="e"/>'
        f"{''.join(flows)}</bpmn:process></bpmn:definitions>"
    ).encode()


def measure_bpmn(report: Report, data: dict, sizes: Sizes) -> None:
    from django.db import connection

    from workflow_design.files.bpmn import bpmn_export
    from workflow_design.services.bpmn_import import bpmn_import

    rows = report.section("8. BPMN import (dry run)")
    user = data["small_creator"]  # another company than the exported workflows': no slug clash

    def dry_run(source: bytes):
        result = bpmn_import(user=user, source=source, dry_run=True, create_missing_roles=True)
        if not result.ok:
            raise RuntimeError(f"BPMN import refused: {result.as_dict()['processes'][0]['errors'][:3]}")
        return result

    small, large = camunda_style_file(20), camunda_style_file(200)
    dry_run(small)
    queries = []
    for source in (small, large):
        with QueryCounter(connection) as counter:
            dry_run(source)
        queries.append(counter.count)
    rows.append(
        Row(
            "queries, 20-task vs 200-task Camunda-style file",
            f"{queries[0]} vs {queries[1]}",
            "equal",
            queries[0] == queries[1],
        )
    )
    elapsed = median_time(lambda: dry_run(large), sizes.repeat)
    rows.append(Row("200-task Camunda-style file (599 flows, 199 gateways)", ms(elapsed), "< 1 s", elapsed < 1.0))
    exported = bpmn_export(workflow=data["bundle_large"])
    tasks = data["bundle_large"].tasks.count()
    elapsed = median_time(lambda: dry_run(exported), sizes.repeat)
    rows.append(Row(f"{tasks}-task workflow exported as BPMN, imported again", ms(elapsed), "< 1 s", elapsed < 1.0))
