"""BPMN 2.0 export: valid against the OMG schema (the XSDs SpiffWorkflow ships), with its diagram,
and export → import → export loses nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import SpiffWorkflow
from django.core.management import call_command
from django.core.management.base import CommandError
from lxml import etree

from ticketflower.testing import factories
from workflow_design.files.bpmn import bpmn_export, bpmn_read
from workflow_design.files.bpmn.xml_reader import BPMN, BPMNDI
from workflow_design.files.bundles import bundle_export
from workflow_design.models import WorkflowDefinition
from workflow_design.services.bpmn_import import bpmn_import

pytestmark = pytest.mark.django_db

SCHEMA_DIR = Path(SpiffWorkflow.__file__).resolve().parent / "bpmn" / "parser" / "schema"
FILES = Path(__file__).resolve().parent / "bpmn"


@pytest.fixture(scope="module")
def bpmn_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "BPMN20.xsd")))


def designed_workflow(company):
    """Tasks with forms and roles, a start, a condition chain with a default, a loop and an end."""
    factories.CompanyRoleFactory(company=company, slug="reviewer", name="Reviewer")
    workflow = factories.WorkflowFactory(
        company=company,
        slug="expense-claim",
        title="Expense claim <& review>",
        description="Claims over the limit need a second look.",
        fields=[{"name": "limit", "label": "Limit", "type": "number", "required": False}],
    )
    submit = factories.TaskFactory(
        workflow=workflow,
        slug="submit",
        title="Submit the claim",
        position=1,
        output_schema=[{"name": "amount", "label": "Amount", "type": "number", "required": True, "min": 0}],
    )
    review = factories.TaskFactory(
        workflow=workflow,
        slug="review",
        title="Review",
        position=2,
        assignee_role=company.roles.get(slug="reviewer"),
        output_schema=[{"name": "ok", "label": "OK", "type": "boolean", "required": True}],
    )
    factories.TransitionFactory(workflow=workflow, slug="begin", from_task=None, to_task=submit, priority=10)
    factories.TransitionFactory(
        workflow=workflow, slug="big", from_task=submit, to_task=review, condition="output.amount > 100", priority=10
    )
    factories.TransitionFactory(workflow=workflow, slug="small", from_task=submit, to_task=None, priority=20)
    factories.TransitionFactory(
        workflow=workflow, slug="again", from_task=review, to_task=submit, condition="!output.ok", priority=10
    )
    factories.TransitionFactory(workflow=workflow, slug="done", from_task=review, to_task=None, priority=20)
    factories.TicketFactory(company=company, workflow=workflow, slug="claim")
    return workflow


def test_export_is_valid_bpmn_with_a_shape_for_every_node_and_an_edge_for_every_flow(creator_a, company_a, bpmn_schema):
    workflow = designed_workflow(company_a)

    data = bpmn_export(workflow=workflow)

    document = etree.fromstring(data)
    assert bpmn_schema.validate(document), bpmn_schema.error_log
    ns = {"bpmn": BPMN, "bpmndi": BPMNDI}
    nodes = document.xpath(
        "//bpmn:userTask/@id | //bpmn:startEvent/@id | //bpmn:endEvent/@id | //bpmn:exclusiveGateway/@id", namespaces=ns
    )
    shapes = document.xpath("//bpmndi:BPMNShape/@bpmnElement", namespaces=ns)
    assert sorted(nodes) == sorted(shapes)
    flows = document.xpath("//bpmn:sequenceFlow/@id", namespaces=ns)
    assert sorted(flows) == sorted(document.xpath("//bpmndi:BPMNEdge/@bpmnElement", namespaces=ns))
    assert document.xpath("//bpmn:userTask[@id='Task_review']/@name", namespaces=ns) == ["Review"]
    # the choice after "submit" is a gateway whose default is the unconditional transition
    gateway = document.xpath("//bpmn:exclusiveGateway[@id='Gateway_submit']", namespaces=ns)[0]
    assert gateway.get("default") == "Flow_small"


def test_export_import_export_loses_nothing(creator_a, creator_b, company_a, company_b, bpmn_schema):
    # Given a workflow exported by one company
    first = bpmn_export(workflow=designed_workflow(company_a))

    # When another company imports it and exports its copy
    result = bpmn_import(user=creator_b, source=first, dry_run=False, create_missing_roles=True)
    assert result.ok, result.as_dict()
    copy = WorkflowDefinition.objects.get(company=company_b, slug="expense-claim")
    second = bpmn_export(workflow=copy)

    # Then both files and both bundles are the same
    assert second == first
    assert bundle_export(workflow=copy) == bundle_export(workflow=WorkflowDefinition.objects.get(company=company_a))


def test_the_example_files_export_valid_after_import(creator_a, bpmn_schema):
    for name in ("loan-approval.bpmn", "order-fulfilment-rich.bpmn"):
        result = bpmn_import(
            user=creator_a, source=(FILES / name).read_bytes(), dry_run=False, create_missing_roles=True
        )
        assert result.ok, result.as_dict()
    for workflow in WorkflowDefinition.objects.all():
        exported = etree.fromstring(bpmn_export(workflow=workflow))
        assert bpmn_schema.validate(exported), bpmn_schema.error_log
        assert len(bpmn_read(etree.tostring(exported))[0].bundle["tasks"]) == workflow.tasks.count()


def test_commands_export_bpmn_and_import_it_into_another_company(tmp_path, company_a, company_b):
    # Given a workflow of company a, exported on the command line as BPMN
    designed_workflow(company_a)
    target = tmp_path / "claim.bpmn"
    call_command("export_workflow", "expense-claim", "--company", company_a.slug, "--output", str(target))
    assert target.read_bytes().startswith(b"<?xml")

    # When company b imports it: a dry run first, then for real
    out = io.StringIO()
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_workflow", str(target), "--company", company_b.slug, "--dry-run", stdout=out)
    assert "reviewer" in out.getvalue()  # the role company b lacks, named
    call_command(
        "import_workflow", str(target), "--company", company_b.slug, "--dry-run", "--create-missing-roles", stdout=out
    )
    assert "Dry run, nothing saved" in out.getvalue()
    assert not WorkflowDefinition.objects.filter(company=company_b).exists()
    call_command("import_workflow", str(target), "--company", company_b.slug, "--create-missing-roles", stdout=out)

    # Then company b has the same workflow
    copy = WorkflowDefinition.objects.get(company=company_b, slug="expense-claim")
    original = WorkflowDefinition.objects.get(company=company_a, slug="expense-claim")
    assert bundle_export(workflow=copy) == bundle_export(workflow=original)


def test_command_refuses_an_unreadable_bpmn_file_and_changes_nothing(tmp_path, company_a):
    bad = tmp_path / "bad.bpmn"
    bad.write_bytes(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "a">]><x>&a;</x>')
    with pytest.raises(CommandError, match="document type"):
        call_command("import_workflow", str(bad), "--company", company_a.slug)
    assert not WorkflowDefinition.objects.exists()
