"""BPMN in the admin: the import page's preview (report and checks) and confirm, the export link."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ticketflower.testing.factories import simple_workflow
from workflow_design.files.bpmn import bpmn_read
from workflow_design.models import WorkflowDefinition

pytestmark = pytest.mark.django_db

IMPORT = reverse("admin:workflow_design_workflowdefinition_bpmn_import")
LOAN = (Path(__file__).resolve().parent / "bpmn" / "loan-approval.bpmn").read_bytes()


def test_bpmn_import_page_previews_the_report_then_confirms(client_a, company_a):
    # When a creator previews the loan-approval file
    response = client_a.post(IMPORT, {"bpmn_file": SimpleUploadedFile("loan.bpmn", LOAN), "create_missing_roles": "on"})

    # Then the page shows each element's fate and saves nothing
    assert response.status_code == 200
    page = response.content.decode()
    assert "Gateway_Amount" in page and "Folded into the transitions" in page
    assert not WorkflowDefinition.objects.exists()

    # When the preview is confirmed, the workflow previewed is made as a draft
    form = response.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    response = client_a.post(IMPORT, {**{k: v for k, v in data.items() if v is not None}, "confirm": "1"})
    workflow = WorkflowDefinition.objects.get(company=company_a, slug="loan-approval")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:workflow_design_workflowdefinition_change", args=[workflow.pk])


def test_bpmn_import_page_names_a_refused_file_at_the_field(client_a):
    response = client_a.post(IMPORT, {"bpmn_file": SimpleUploadedFile("x.bpmn", b"<html/>")})
    assert response.status_code == 400
    assert "not a BPMN 2.0 file" in response.content.decode()
    assert not WorkflowDefinition.objects.exists()


def test_bpmn_import_page_refuses_a_tampered_confirm(client_a):
    response = client_a.post(IMPORT, {"document": "not base64 !!", "confirm": "1"})
    assert response.status_code == 400
    assert "Choose the BPMN file again" in response.content.decode()


def test_bpmn_export_link_on_the_workflow_page_and_other_companies_get_404(client_a, creator_b, company_a):
    workflow = simple_workflow(company_a, tasks=2)
    page = client_a.get(reverse("admin:workflow_design_workflowdefinition_change", args=[workflow.pk]))
    export = reverse("admin:workflow_design_workflowdefinition_bpmn_export", args=[workflow.pk])
    assert export in page.content.decode()
    response = client_a.get(export)
    assert response.status_code == 200
    assert [t["slug"] for t in bpmn_read(response.content)[0].bundle["tasks"]] == ["step-1", "step-2"]
    other = Client()
    other.force_login(creator_b)
    assert other.get(export).status_code == 404
