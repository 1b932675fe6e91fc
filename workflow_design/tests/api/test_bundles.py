"""Bundle export and import through the API."""

from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile

from ticketflower.testing.factories import simple_workflow
from workflow_design.models import WorkflowDefinition
from workflow_design.tests.api.samples import W, exported_bundle


def test_bundle_export_and_import_round_trip(api, creator_a, company_b):
    workflow = simple_workflow(creator_a.company, tasks=2)
    document = api.get(f"{W}{workflow.pk}/bundle/").json()
    assert document["workflow"]["slug"] == workflow.slug
    assert [t["slug"] for t in document["tasks"]] == ["step-1", "step-2"]
    assert "id" not in document["workflow"] and "company" not in document["workflow"]

    document["workflow"]["slug"] = "copied"
    preview = api.post(f"{W}import-bundle/?dry_run=1", document, format="json")
    assert preview.status_code == 200
    assert preview.json()["dry_run"] is True and preview.json()["ok"] is True
    assert sorted(preview.json()["created"]["tasks"]) == ["step-1", "step-2"]
    assert not WorkflowDefinition.objects.filter(slug="copied").exists()

    imported = api.post(f"{W}import-bundle/", document, format="json")
    assert imported.status_code == 201
    copied = WorkflowDefinition.objects.get(slug="copied")
    assert imported.json()["workflow"]["id"] == copied.pk
    assert copied.company == creator_a.company and copied.tasks.count() == 2

    again = api.post(f"{W}import-bundle/", document, format="json")
    assert again.status_code == 400
    assert again.json()["errors"]
    assert WorkflowDefinition.objects.filter(slug="copied").count() == 1


def test_bundle_import_from_an_uploaded_file(api, creator_a):
    document = exported_bundle(api, simple_workflow(creator_a.company, tasks=1), slug="from-file")
    upload = SimpleUploadedFile("bundle.json", json.dumps(document).encode(), content_type="application/json")
    response = api.post(f"{W}import-bundle/", {"file": upload}, format="multipart")
    assert response.status_code == 201
    assert WorkflowDefinition.objects.filter(slug="from-file", company=creator_a.company).exists()
    broken = SimpleUploadedFile("bundle.json", b"{not json", content_type="application/json")
    refused = api.post(f"{W}import-bundle/", {"file": broken}, format="multipart")
    assert refused.status_code == 400
    assert "file" in refused.json()


def test_bundle_import_garbage_document_is_a_400(api, creator_a):
    response = api.post(f"{W}import-bundle/", {"format": "something-else"}, format="json")
    assert response.status_code == 400
    assert response.json()["ok"] is False and response.json()["errors"]
    deep = "[" * 5000 + "]" * 5000
    nested = api.post(f"{W}import-bundle/", deep, content_type="application/json")
    assert nested.status_code == 400
    assert not WorkflowDefinition.objects.exists()


def test_bundle_import_refused_for_non_creators(plain_api):
    response = plain_api.post(f"{W}import-bundle/", {"format": "x"}, format="json")
    assert response.status_code == 403
