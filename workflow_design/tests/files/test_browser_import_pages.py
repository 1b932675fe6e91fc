"""The bundle and BPMN import pages in a real Chromium: a file chosen, its preview, then confirmed
or refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from conftest import admin_login
from ticketflower.testing.factories import simple_workflow
from users.services import system_roles_ensure
from workflow_design.files.bundles import bundle_dumps, bundle_export
from workflow_design.models import DefinitionStatus, WorkflowDefinition

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOAN = Path(__file__).resolve().parent / "bpmn" / "loan-approval.bpmn"


@pytest.fixture
def signed_in_creator(page, creator_a):
    # A transactional test starts from a flushed database: the system roles come back first.
    system_roles_ensure()
    admin_login(page, creator_a.email)
    return creator_a


def test_bundle_import_page_previews_the_file_then_confirms_it(page, signed_in_creator, company_a, tmp_path):
    # Given a bundle file of a two-task workflow, under a slug the company does not use yet
    document = bundle_export(workflow=simple_workflow(company_a, tasks=2))
    document["workflow"]["slug"] = "from-file"
    bundle = tmp_path / "from-file.workflow-bundle.json"
    bundle.write_text(bundle_dumps(document), encoding="utf-8")

    # When the creator chooses it and asks for the preview
    page.goto(reverse("admin:workflow_design_workflowdefinition_bundle_import"))
    page.set_input_files("#bundle-import-form input[type=file]", str(bundle))
    page.click("#bundle-import-form input[type=submit]")

    # Then the preview names what would be made, and nothing is saved yet
    preview = page.locator("#bundle-preview")
    expect(preview.locator("h2")).to_have_text("Preview: nothing is saved until you confirm")
    expect(preview).to_contain_text(", ".join(task["slug"] for task in document["tasks"]))
    assert not WorkflowDefinition.objects.filter(slug="from-file").exists()

    # When the preview is confirmed, the workflow is made as a draft of the creator's company
    page.click("#bundle-confirm-form input[type=submit]")
    page.wait_for_url("**/change/")
    workflow = WorkflowDefinition.objects.get(slug="from-file")
    assert (workflow.company, workflow.status) == (company_a, DefinitionStatus.DRAFT)
    assert page.url.endswith(reverse("admin:workflow_design_workflowdefinition_change", args=[workflow.pk]))


def test_bpmn_import_page_shows_a_refused_preview_without_a_confirm(page, signed_in_creator):
    # When the creator previews a BPMN file whose roles the company lacks, without letting the
    # import create them
    page.goto(reverse("admin:workflow_design_workflowdefinition_bpmn_import"))
    page.set_input_files("#bpmn-import-form input[type=file]", str(LOAN))
    page.click("#bpmn-import-form input[type=submit]")

    # Then the preview says the file cannot be imported, names the missing roles, offers no
    # confirmation, and nothing is saved
    preview = page.locator("#bpmn-preview")
    expect(preview.locator("h2")).to_have_text("This file cannot be imported; nothing was saved")
    expect(preview).to_contain_text("Company roles your company does not have")
    expect(page.locator("#bpmn-confirm-form")).to_have_count(0)
    assert not WorkflowDefinition.objects.exists()
