"""BPMN 2.0 import: files written as Camunda Modeler and bpmn.io write them, the fidelity report,
the workflow they make (linted, dry-run), and files that are refused with nothing written."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from users.models import CompanyRole
from workflow_design.files.bpmn import bpmn_read
from workflow_design.files.limits import UploadRefused
from workflow_design.models import TaskDefinition, WorkflowDefinition, WorkflowTransition
from workflow_design.rules.dry_run import workflow_dry_run
from workflow_design.services.bpmn_import import bpmn_import

pytestmark = pytest.mark.django_db

FILES = Path(__file__).resolve().parent / "bpmn"


def read(name: str) -> bytes:
    return (FILES / name).read_bytes()


def invoice_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("invoice-approval.bpmn", read("invoice-approval.bpmn"))
        archive.writestr("forms/approve.form", read("approve.form"))
    return buffer.getvalue()


def element_ids(data: bytes) -> set[str]:
    """Every id a file gives an element of its processes and collaborations (not its diagram)."""
    import xml.etree.ElementTree as ET  # noqa: S405 - our own test files

    root = ET.fromstring(data)  # noqa: S314 - our own test files
    ids = set()
    for element in root.iter():
        if "BPMN/20100524/MODEL" in element.tag and element.get("id") and not element.tag.endswith("Definition"):
            ids.add(element.get("id"))
    return ids - {root.get("id")}


def snapshot() -> tuple:
    return (
        WorkflowDefinition.objects.count(),
        TaskDefinition.objects.count(),
        WorkflowTransition.objects.count(),
        CompanyRole.objects.count(),
    )


def test_loan_approval_imports_into_a_workflow_that_lints_clean_and_routes_the_same(creator_a, company_a):
    # Given the loan-approval process as Camunda Modeler (Camunda 7) writes it
    result = bpmn_import(user=creator_a, source=read("loan-approval.bpmn"), dry_run=False, create_missing_roles=True)

    # Then one draft workflow is made, with the lanes as roles and the forms as task forms
    assert result.ok, result.as_dict()
    workflow = WorkflowDefinition.objects.get(company=company_a, slug="loan-approval")
    assert workflow.title == "Loan approval" and workflow.status == "draft"
    tasks = {t.slug: t for t in TaskDefinition.objects.filter(workflow=workflow)}
    assert set(tasks) == {"check-application", "approve-loan", "notify-applicant"}
    assert tasks["check-application"].assignee_role.name == "Loan clerk"
    assert tasks["approve-loan"].assignee_role.name == "Branch manager"
    amount = tasks["check-application"].output_schema[0]
    assert (amount["name"], amount["type"], amount["required"], amount["min"]) == ("amount", "integer", True, 1)
    decision = tasks["approve-loan"].output_schema[0]
    assert [c["value"] for c in decision["choices"]] == ["approved", "declined"]
    # the gateway's conditions, in its order, its default flow last
    leaving = list(WorkflowTransition.objects.filter(from_task=tasks["check-application"]).order_by("priority"))
    assert [(t.to_task.slug, t.condition) for t in leaving] == [
        ("notify-applicant", "!(output.complete)"),
        ("approve-loan", "output.amount > 10000"),
        ("notify-applicant", ""),
    ]
    # And the linter finds no error in it
    assert [f for f in result.processes[0].lint if f["level"] == "error"] == []

    # And it routes as the BPMN gateway does
    def path(amount: int, complete: bool) -> list[str]:
        outputs = {
            "check-application": {"amount": amount, "complete": complete},
            "approve-loan": {"decision": "approved"},
        }
        run = workflow_dry_run(workflow=workflow, ticket_values={}, workflow_values={}, outputs=outputs)
        assert run.ended, run.message
        return run.path

    assert path(20_000, True) == ["check-application", "approve-loan", "notify-applicant"]
    assert path(500, True) == ["check-application", "notify-applicant"]
    assert path(20_000, False) == ["check-application", "notify-applicant"]


def test_every_element_of_a_rich_file_is_in_the_report_by_id(creator_a):
    # Given a bpmn.io file with what the product cannot represent (parallel and inclusive
    # gateways, a timer boundary event, a sub-process, script and service tasks, a message flow)
    data = read("order-fulfilment-rich.bpmn")

    # When it is read
    processes = bpmn_read(data)

    # Then nothing is dropped silently: every element's id has a report entry saying what became of it
    reported = {entry.element_id for process in processes for entry in process.report}
    assert element_ids(data) - reported == set()
    outcomes = {(e.element_id, e.outcome) for p in processes for e in p.report}
    assert ("Gateway_Split", "approximated") in outcomes
    assert ("Boundary_Timeout", "dropped") in outcomes
    assert ("Flow_Timeout", "dropped") in outcomes
    assert ("MessageFlow_Order", "dropped") in outcomes
    assert ("Task_Score", "approximated") in outcomes and ("Task_Invoice", "approximated") in outcomes
    assert ("SubTask_Label", "dropped") in outcomes
    assert ("Flow_Gift", "approximated") in outcomes  # a FEEL function call is not translated
    # the closed customer pool is not a workflow
    assert [p.process_id for p in processes] == ["Process_Orders"]
    gift = next(t for t in processes[0].bundle["transitions"] if t["to_task"] == "Task_Gift")
    assert gift["condition"] == "false"


def test_camunda_8_file_with_linked_forms_in_a_zip(creator_a, company_a):
    # Given an invoice process for Camunda 8: FEEL conditions, an embedded form and a linked .form file
    result = bpmn_import(user=creator_a, source=invoice_zip(), dry_run=True, create_missing_roles=True)

    # Then the dry run shows what would be made, the report and the lint, and saves nothing
    assert result.ok and not result.saved
    assert WorkflowDefinition.objects.count() == 0
    process = result.as_dict()["processes"][0]
    assert set(process["created"]["tasks"]) == {"Activity_Review", "Activity_Approve", "Activity_Pay"}
    tasks = {task["slug"]: task for task in bpmn_read(invoice_zip())[0].bundle["tasks"]}
    assert [f["name"] for f in tasks["Activity_Review"]["output_schema"]] == ["total", "category"]
    assert [f["type"] for f in tasks["Activity_Approve"]["output_schema"]] == ["boolean", "long_text"]
    assert tasks["Activity_Approve"]["assignee_role"] == "finance-lead"
    assert any(e["element_id"] == "Activity_Approve" and e["outcome"] == "approximated" for e in process["report"])
    transitions = bpmn_read(invoice_zip())[0].bundle["transitions"]
    assert {'output.total > 5000 || output.category == "software"'} <= {t["condition"] for t in transitions}
    assert [f for f in process["lint"] if f["level"] == "error"] == []


def test_a_form_not_in_the_upload_is_reported_at_its_task():
    processes = bpmn_read(read("invoice-approval.bpmn"))
    entry = next(e for e in processes[0].report if e.element_id == "Activity_Approve" and "Form_approve" in e.reason)
    assert entry.outcome == "approximated"


def test_conditions_naming_no_form_field_become_workflow_fields():
    data = read("loan-approval.bpmn").replace(b"${amount &gt; 10000}", b"${budget &gt;= 10000 &amp;&amp; urgent}")
    bundle = bpmn_read(data)[0].bundle
    assert {(f["name"], f["type"]) for f in bundle["workflow"]["fields"]} == {
        ("budget", "number"),
        ("urgent", "boolean"),
    }
    assert "workflow.budget >= 10000 && workflow.urgent" in {t["condition"] for t in bundle["transitions"]}


HOSTILE = {
    "entities": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
    b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&b;</bpmn:definitions>',
    "external": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&e;</bpmn:definitions>',
    "deep": b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
    + b"<a>" * 5000
    + b"</a>" * 5000
    + b"</bpmn:definitions>",
    "not BPMN": b"<html><body>hello</body></html>",
    "broken": b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"><bpmn:process>',
    "huge": b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
    + b"<x/>" * 2_000_000
    + b"</bpmn:definitions>",
}


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_xml_is_refused_with_nothing_written(case, creator_a):
    before = snapshot()
    with pytest.raises(UploadRefused) as refused:
        bpmn_import(user=creator_a, source=HOSTILE[case], dry_run=False, create_missing_roles=True)
    assert str(refused.value)
    assert snapshot() == before


def test_choosing_one_process_of_several(creator_a):
    data = read("order-fulfilment-rich.bpmn")
    with pytest.raises(UploadRefused, match="no process “nope”"):
        bpmn_read(data, process_id="nope")
    assert [p.process_id for p in bpmn_read(data, process_id="Process_Orders")] == ["Process_Orders"]


def big_bpmn(tasks: int) -> bytes:
    nodes = "".join(f'<bpmn:userTask id="t{i}" name="Step {i}"/>' for i in range(tasks))
    flows = ['<bpmn:sequenceFlow id="f_start" sourceRef="s" targetRef="t0"/>']
    for i in range(tasks - 1):
        flows.append(f'<bpmn:exclusiveGateway id="g{i}" default="d{i}"/>')
        flows.append(f'<bpmn:sequenceFlow id="f{i}" sourceRef="t{i}" targetRef="g{i}"/>')
        flows.append(
            f'<bpmn:sequenceFlow id="c{i}" sourceRef="g{i}" targetRef="t{i + 1}">'
            f"<bpmn:conditionExpression>=x &gt; {i}</bpmn:conditionExpression></bpmn:sequenceFlow>"
        )
        flows.append(f'<bpmn:sequenceFlow id="d{i}" sourceRef="g{i}" targetRef="e"/>')
    flows.append(f'<bpmn:sequenceFlow id="f_end" sourceRef="t{tasks - 1}" targetRef="e"/>')
    return (
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">'
        f'<bpmn:process id="big" isExecutable="true"><bpmn:startEvent id="s"/>{nodes}<bpmn:endEvent id="e"/>'
        f"{''.join(flows)}</bpmn:process></bpmn:definitions>"
    ).encode()


def test_dry_run_import_costs_the_same_queries_at_20_and_100_tasks(creator_a):
    bpmn_import(user=creator_a, source=big_bpmn(5), dry_run=True)  # caches filled once (content types, permissions)
    counts = []
    for size in (20, 100):
        with CaptureQueriesContext(connection) as queries:
            result = bpmn_import(user=creator_a, source=big_bpmn(size), dry_run=True)
        assert result.ok, result.as_dict()["processes"][0]["errors"][:3]
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_camunda_candidate_groups_name_the_role_before_the_lane():
    data = read("loan-approval.bpmn").replace(
        b'<bpmn:userTask id="approve-loan" name="Approve the loan">',
        b'<bpmn:userTask id="approve-loan" name="Approve the loan" camunda:candidateGroups="credit-committee">',
    )
    bundle = bpmn_read(data)[0].bundle
    task = next(t for t in bundle["tasks"] if t["slug"] == "approve-loan")
    assert task["assignee_role"] == "credit-committee"
    assert {"slug": "credit-committee", "name": "credit-committee"} in bundle["roles"]
