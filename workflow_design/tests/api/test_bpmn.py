"""BPMN import and export through the API: an upload or an XML body, the dry run, refusals,
company isolation and the export's content."""

from __future__ import annotations

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from ticketflower.testing.factories import simple_workflow
from workflow_design.files.bpmn import bpmn_read
from workflow_design.models import AuditEntry, WorkflowDefinition
from workflow_design.tests.api.conftest import client_of
from workflow_design.tests.api.samples import W

LOAN = (Path(__file__).resolve().parents[1] / "files" / "bpmn" / "loan-approval.bpmn").read_bytes()


def test_bpmn_dry_run_from_an_upload_saves_nothing_and_reports_every_element(api):
    upload = SimpleUploadedFile("loan.bpmn", LOAN, content_type="application/octet-stream")
    response = api.post(f"{W}import-bpmn/?dry_run=1&create_missing_roles=1", {"file": upload}, format="multipart")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["ok"] is True and body["saved"] is False
    process = body["processes"][0]
    assert process["process_id"] == "loan-approval"
    assert sorted(process["created"]["tasks"]) == ["approve-loan", "check-application", "notify-applicant"]
    reported = {entry["element_id"] for entry in process["report"]}
    assert {"Gateway_Amount", "Flow_Large", "Lane_Manager", "EndEvent_Done"} <= reported
    assert all(entry["pointer"] == f"//*[@id='{entry['element_id']}']" for entry in process["report"])
    assert not WorkflowDefinition.objects.exists()


def test_bpmn_import_from_an_xml_body_creates_a_draft_with_its_audit(api, creator_a):
    response = api.generic("POST", f"{W}import-bpmn/?create_missing_roles=1", LOAN, content_type="application/xml")
    assert response.status_code == 201, response.json()
    workflow = WorkflowDefinition.objects.get(company=creator_a.company, slug="loan-approval")
    assert response.json()["processes"][0]["workflow"]["id"] == workflow.pk
    assert workflow.status == "draft"
    assert AuditEntry.objects.filter(object_id=workflow.pk, action="created").exists()


def test_bpmn_import_without_the_roles_is_refused_at_the_task(api):
    response = api.generic("POST", f"{W}import-bpmn/", LOAN, content_type="application/xml")
    assert response.status_code == 400
    errors = response.json()["processes"][0]["errors"]
    assert any("loan-clerk" in error["message"] for error in errors), errors
    assert not WorkflowDefinition.objects.exists()


def test_bpmn_import_of_garbage_is_a_400_on_the_file(api):
    response = api.generic("POST", f"{W}import-bpmn/", b"<not-bpmn/>", content_type="application/xml")
    assert response.status_code == 400
    assert "BPMN" in response.json()["file"][0]


def test_bpmn_import_refused_for_non_creators(plain_api):
    response = plain_api.generic("POST", f"{W}import-bpmn/", LOAN, content_type="application/xml")
    assert response.status_code == 403
    assert not WorkflowDefinition.objects.exists()


def test_bpmn_export_is_xml_of_the_workflow_and_hidden_from_other_companies(api, creator_a, creator_b):
    workflow = simple_workflow(creator_a.company, tasks=3)
    response = api.get(f"{W}{workflow.pk}/bpmn/", HTTP_ACCEPT="application/xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    assert f'filename="{workflow.slug}-v1.bpmn"' in response["Content-Disposition"]
    read_back = bpmn_read(response.content)[0].bundle
    assert [task["slug"] for task in read_back["tasks"]] == ["step-1", "step-2", "step-3"]

    other = client_of(creator_b).get(f"{W}{workflow.pk}/bpmn/")
    assert other.status_code == 404
    assert workflow.slug.encode() not in other.content
