"""The workflow design REST API: CRUD per model through the services, company scoping,
published immutability (409), lifecycle actions, bundles, constant-query lists, and the
isolation matrix generated from the URL resolver."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from ticketflower.testing.factories import (
    CompanyRoleFactory,
    TaskFactory,
    TicketFactory,
    TransitionFactory,
    UserFactory,
    WorkflowFactory,
    simple_workflow,
)
from workflow_design.models import (
    DefinitionStatus,
    TaskDefinition,
    TicketDefinition,
    WorkflowDefinition,
    WorkflowTransition,
)

W = "/api/workflow/workflows/"
T = "/api/workflow/tasks/"
TR = "/api/workflow/transitions/"
TK = "/api/workflow/tickets/"

FIELDS = [
    {"name": "amount", "label": "Amount", "type": "number", "required": True, "min": 0},
    {"name": "reason", "label": "Reason", "type": "long_text"},
]


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # quick test users
    cache.clear()


@pytest.fixture
def api(creator_a):
    client = APIClient()
    client.force_authenticate(creator_a)
    return client


def _publish(workflow):
    from workflow_design.services.lifecycle import workflow_publish

    return workflow_publish(workflow=workflow, user=None)


# Workflows -----------------------------------------------------------------------------------


def test_workflow_create_fills_company_and_creator(api, creator_a, company_b):
    body = {"title": "Purchase", "slug": "purchase", "fields": FIELDS, "company": company_b.pk, "version": 7}
    response = api.post(W, body, format="json")
    assert response.status_code == 201
    data = response.json()
    workflow = WorkflowDefinition.objects.get(pk=data["id"])
    assert workflow.company == creator_a.company
    assert workflow.created_by == creator_a
    assert workflow.version == 1 and workflow.status == DefinitionStatus.DRAFT
    assert data["company"] == creator_a.company_id and data["created_by"] == creator_a.pk
    assert data["fields"] == FIELDS
    assert data["fields_json_schema"]["properties"]["amount"] == {"title": "Amount", "type": "number", "minimum": 0}
    assert data["fields_json_schema"]["required"] == ["amount"]


def test_workflow_retrieve_update_and_delete(api, creator_a):
    workflow = WorkflowFactory(company=creator_a.company, slug="flow", title="Flow")
    url = f"{W}{workflow.pk}/"
    assert api.get(url).json()["slug"] == "flow"

    patched = api.patch(url, {"title": "Flow renamed"}, format="json")
    assert patched.status_code == 200
    assert patched.json()["title"] == "Flow renamed"
    assert patched.json()["revision"] == workflow.revision + 1

    put = api.put(url, {"title": "Flow put", "slug": "flow", "description": "all of it"}, format="json")
    assert put.status_code == 200
    workflow.refresh_from_db()
    assert (workflow.title, workflow.description) == ("Flow put", "all of it")

    assert api.delete(url).status_code == 204
    assert not WorkflowDefinition.objects.filter(pk=workflow.pk).exists()


def test_workflow_list_is_scoped_to_the_company(api, creator_a, company_b):
    WorkflowFactory(company=creator_a.company, slug="ours")
    WorkflowFactory(company=company_b, slug="theirs")
    response = api.get(W)
    assert response.status_code == 200
    assert [w["slug"] for w in response.json()["results"]] == ["ours"]
    assert response.json()["count"] == 1


def test_workflow_list_filters_by_status_and_slug(api, creator_a):
    published = simple_workflow(creator_a.company)
    _publish(published)
    WorkflowFactory(company=creator_a.company, slug="draft-one")
    assert [w["id"] for w in api.get(W, {"status": "published"}).json()["results"]] == [published.pk]
    assert [w["slug"] for w in api.get(W, {"slug": "draft-one"}).json()["results"]] == ["draft-one"]
    assert api.get(W, {"status": "bogus"}).status_code == 400


def test_workflow_model_rules_come_back_per_field(api):
    bad_fields = [{"name": "Bad Name", "type": "nope"}]
    response = api.post(W, {"title": "X", "slug": "x", "fields": bad_fields}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["fields"]
    assert "Field 1" in response.json()["fields"][0]
    shape = api.post(W, {"title": "X", "slug": "x", "fields": {"not": "a list"}}, format="json")
    assert shape.status_code == 400
    assert shape.json() == {"fields": ["Expected a list."]}
    assert not WorkflowDefinition.objects.exists()


def test_workflow_duplicate_draft_slug_is_a_400(api, creator_a):
    WorkflowFactory(company=creator_a.company, slug="dup")
    response = api.post(W, {"title": "Dup", "slug": "dup"}, format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_workflow_writes_refused_for_non_creators(company_a):
    plain = UserFactory(company=company_a, email="plain@alpha.example")
    client = APIClient()
    client.force_authenticate(plain)
    workflow = WorkflowFactory(company=company_a)
    response = client.post(W, {"title": "X", "slug": "x"}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "Only workflow creators may change definitions."}
    assert client.get(W).json()["count"] == 0
    assert client.patch(f"{W}{workflow.pk}/", {"title": "Y"}, format="json").status_code == 403
    workflow.refresh_from_db()
    assert workflow.title != "Y"


def test_workflow_anonymous_is_401(db):
    response = APIClient().get(W)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


# Tasks ---------------------------------------------------------------------------------------


def test_task_create_returns_json_schemas(api, creator_a):
    workflow = WorkflowFactory(company=creator_a.company)
    role = CompanyRoleFactory(company=creator_a.company, slug="it", name="IT")
    body = {
        "workflow": workflow.pk,
        "title": "Approve",
        "slug": "approve",
        "assignee_role": role.pk,
        "input_schema": FIELDS,
        "output_schema": [{"name": "ok", "label": "Approved", "type": "boolean", "required": True}],
        "company": 999,
    }
    response = api.post(T, body, format="json")
    assert response.status_code == 201
    data = response.json()
    task = TaskDefinition.objects.get(pk=data["id"])
    assert task.company == creator_a.company and task.created_by == creator_a
    assert data["output_json_schema"]["properties"] == {"ok": {"title": "Approved", "type": "boolean"}}
    assert data["output_json_schema"]["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert data["input_json_schema"]["required"] == ["amount"]
    workflow.refresh_from_db()
    assert workflow.revision == 2


def test_task_nested_routes_list_create_and_detail(api, creator_a):
    workflow = simple_workflow(creator_a.company, tasks=2)
    other = simple_workflow(creator_a.company, tasks=1)
    url = f"{W}{workflow.pk}/tasks/"
    listed = api.get(url).json()["results"]
    assert [t["slug"] for t in listed] == ["step-1", "step-2"]
    created = api.post(url, {"title": "Step 3", "slug": "step-3", "position": 3}, format="json")
    assert created.status_code == 201
    assert created.json()["workflow"] == workflow.pk
    detail = f"{url}{created.json()['id']}/"
    assert api.patch(detail, {"title": "Third"}, format="json").json()["title"] == "Third"
    # A task of another workflow is not found under this one.
    assert api.get(f"{url}{other.tasks.first().pk}/").status_code == 404
    assert api.delete(detail).status_code == 204
    assert list(workflow.tasks.values_list("slug", flat=True).order_by("slug")) == ["step-1", "step-2"]


def test_task_update_and_delete(api, creator_a):
    task = TaskFactory(workflow=WorkflowFactory(company=creator_a.company), slug="t", title="T")
    url = f"{T}{task.pk}/"
    response = api.patch(url, {"output_schema": FIELDS, "position": 5}, format="json")
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.output_schema == FIELDS and task.position == 5
    assert api.get(url).json()["output_json_schema"]["required"] == ["amount"]
    assert api.delete(url).status_code == 204
    assert not TaskDefinition.objects.filter(pk=task.pk).exists()


def test_task_cannot_use_or_move_to_another_companys_workflow(api, creator_a, company_b):
    ours = WorkflowFactory(company=creator_a.company)
    theirs = WorkflowFactory(company=company_b)
    response = api.post(T, {"workflow": theirs.pk, "title": "X", "slug": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["workflow"] == [f'Invalid pk "{theirs.pk}" - object does not exist.']
    missing = api.post(T, {"workflow": 999999, "title": "X", "slug": "x"}, format="json")
    assert missing.json()["workflow"] == ['Invalid pk "999999" - object does not exist.']
    task = TaskFactory(workflow=ours)
    second = WorkflowFactory(company=creator_a.company)
    moved = api.patch(f"{T}{task.pk}/", {"workflow": second.pk}, format="json")
    assert moved.status_code == 400
    assert moved.json() == {"workflow": ["This cannot be moved to another workflow."]}
    assert not TaskDefinition.objects.filter(workflow=theirs).exists()


def test_task_role_of_another_company_is_refused(api, creator_a, company_b):
    workflow = WorkflowFactory(company=creator_a.company)
    role_b = CompanyRoleFactory(company=company_b)
    response = api.post(
        T, {"workflow": workflow.pk, "title": "X", "slug": "x", "assignee_role": role_b.pk}, format="json"
    )
    assert response.status_code == 400
    assert "assignee_role" in response.json()


def test_task_list_is_scoped_and_filtered(api, creator_a, company_b):
    ours = simple_workflow(creator_a.company, tasks=2)
    simple_workflow(company_b, tasks=3)
    assert api.get(T).json()["count"] == 2
    assert api.get(T, {"workflow": ours.pk, "slug": "step-2"}).json()["results"][0]["slug"] == "step-2"
    assert api.get(T, {"workflow": "abc"}).status_code == 400


# Transitions ----------------------------------------------------------------------------------


def test_transition_create_default_slug_and_cel_errors(api, creator_a):
    workflow = WorkflowFactory(company=creator_a.company)
    a = TaskFactory(workflow=workflow, slug="a", output_schema=FIELDS)
    b = TaskFactory(workflow=workflow, slug="b")
    response = api.post(
        TR,
        {"workflow": workflow.pk, "from_task": a.pk, "to_task": b.pk, "condition": "output.amount > 10"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["slug"] == "a-to-b"
    bad = api.post(
        TR, {"workflow": workflow.pk, "from_task": a.pk, "to_task": None, "condition": "output.nope > 1"}, format="json"
    )
    assert bad.status_code == 400
    assert list(bad.json()) == ["condition"]
    assert WorkflowTransition.objects.filter(workflow=workflow).count() == 1


def test_transition_update_delete_and_nested_list(api, creator_a):
    workflow = simple_workflow(creator_a.company, tasks=2)
    transition = workflow.transitions.get(from_task__slug="step-1")
    url = f"{TR}{transition.pk}/"
    assert api.patch(url, {"priority": 5}, format="json").json()["priority"] == 5
    nested = api.get(f"{W}{workflow.pk}/transitions/").json()
    assert nested["count"] == 3
    assert api.delete(url).status_code == 204
    assert api.get(f"{W}{workflow.pk}/transitions/").json()["count"] == 2


def test_transition_needs_a_task(api, creator_a):
    workflow = WorkflowFactory(company=creator_a.company)
    response = api.post(TR, {"workflow": workflow.pk}, format="json")
    assert response.status_code == 400
    assert "to_task" in response.json()


def test_transition_with_a_task_of_another_company_is_refused(api, creator_a, company_b):
    workflow = WorkflowFactory(company=creator_a.company)
    task_b = TaskFactory(workflow=WorkflowFactory(company=company_b))
    response = api.post(TR, {"workflow": workflow.pk, "to_task": task_b.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["to_task"] == [f'Invalid pk "{task_b.pk}" - object does not exist.']


# Ticket definitions ------------------------------------------------------------------------------


def test_ticket_create_retrieve_update_delete(api, creator_a):
    workflow = WorkflowFactory(company=creator_a.company)
    CompanyRoleFactory(company=creator_a.company, slug="employee", name="Employee")
    body = {
        "workflow": workflow.pk,
        "title": "Laptop request",
        "slug": "laptop",
        "fields": FIELDS,
        "company_role_access": ["employee"],
        "edit_layout": [{"title": "Main", "fields": ["amount", "reason"]}],
    }
    response = api.post(TK, body, format="json")
    assert response.status_code == 201
    data = response.json()
    ticket = TicketDefinition.objects.get(pk=data["id"])
    assert ticket.company == creator_a.company and ticket.created_by == creator_a
    assert data["json_schema"]["title"] == "Laptop request"
    assert list(data["json_schema"]["properties"]) == ["amount", "reason"]
    url = f"{TK}{ticket.pk}/"
    assert api.get(url).json()["slug"] == "laptop"
    assert api.patch(url, {"company_role_access": ["nobody"]}, format="json").status_code == 400
    assert api.patch(url, {"title": "Laptop"}, format="json").json()["title"] == "Laptop"
    assert api.delete(url).status_code == 204
    assert not TicketDefinition.objects.filter(pk=ticket.pk).exists()


def test_ticket_list_is_scoped(api, creator_a, company_b):
    TicketFactory(workflow=WorkflowFactory(company=creator_a.company), slug="ours")
    TicketFactory(workflow=WorkflowFactory(company=company_b), slug="theirs")
    assert [t["slug"] for t in api.get(TK).json()["results"]] == ["ours"]


# A superuser creates in a company they name -----------------------------------------------------


@pytest.fixture
def root_api(superuser):
    client = APIClient()
    client.force_authenticate(superuser)
    return client


def test_workflow_create_by_superuser_goes_to_the_named_company(root_api, superuser, company_b):
    response = root_api.post(W, {"title": "Onboarding", "slug": "onboarding", "company": company_b.pk}, format="json")
    assert response.status_code == 201
    workflow = WorkflowDefinition.objects.get(pk=response.json()["id"])
    assert workflow.company == company_b and workflow.created_by == superuser
    assert response.json()["company"] == company_b.pk
    # The company's creators see it (the object permissions were granted to that company).
    creator = UserFactory(company=company_b, email="creator@beta.example", creator=True)
    client = APIClient()
    client.force_authenticate(creator)
    assert [w["id"] for w in client.get(W).json()["results"]] == [workflow.pk]


def test_workflow_create_by_superuser_without_company_is_refused_at_the_field(root_api):
    response = root_api.post(W, {"title": "Onboarding", "slug": "onboarding"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["company"]
    assert not WorkflowDefinition.objects.exists()


@pytest.mark.parametrize("company", [987654, "beta", True, None, 2**70])
def test_workflow_create_by_superuser_with_a_bad_company_is_a_400(root_api, company_b, company):
    response = root_api.post(W, {"title": "Onboarding", "slug": "onboarding", "company": company}, format="json")
    assert response.status_code == 400
    assert "company" in response.json()
    assert not WorkflowDefinition.objects.exists()


def test_workflow_create_by_superuser_of_a_company_defaults_to_it(company_a, company_b):
    root = UserFactory(company=company_a, email="root@alpha.example", is_superuser=True)
    client = APIClient()
    client.force_authenticate(root)
    assert client.post(W, {"title": "Own", "slug": "own"}, format="json").json()["company"] == company_a.pk
    named = client.post(W, {"title": "Theirs", "slug": "theirs", "company": company_b.pk}, format="json")
    assert named.json()["company"] == company_b.pk


def test_workflow_company_cannot_be_changed_after_creation(root_api, company_a, company_b):
    workflow = WorkflowFactory(company=company_a)
    response = root_api.patch(f"{W}{workflow.pk}/", {"company": company_b.pk, "title": "Moved?"}, format="json")
    assert response.status_code == 200
    workflow.refresh_from_db()
    assert (workflow.company, workflow.title) == (company_a, "Moved?")


@pytest.mark.parametrize("company", ["other", 987654, "not-a-number"])
def test_creator_company_value_is_ignored(api, creator_a, company_b, company):
    sent = {"other": company_b.pk}.get(company, company)
    workflow = WorkflowFactory(company=creator_a.company)
    made = api.post(W, {"title": "Mine", "slug": "mine", "company": sent}, format="json")
    assert made.status_code == 201 and made.json()["company"] == creator_a.company_id
    ticket = api.post(TK, {"workflow": workflow.pk, "title": "Mine", "slug": "mine", "company": sent}, format="json")
    assert ticket.status_code == 201 and ticket.json()["company"] == creator_a.company_id
    assert not WorkflowDefinition.objects.filter(company=company_b).exists()


def test_ticket_create_by_superuser_needs_the_company_of_its_workflow(root_api, company_a, company_b):
    workflow = WorkflowFactory(company=company_b)
    body = {"workflow": workflow.pk, "title": "Laptop", "slug": "laptop"}
    missing = root_api.post(TK, body, format="json")
    assert missing.status_code == 400 and list(missing.json()) == ["company"]
    mismatch = root_api.post(TK, {**body, "company": company_a.pk}, format="json")
    assert mismatch.status_code == 400 and "workflow" in mismatch.json()
    made = root_api.post(TK, {**body, "company": company_b.pk}, format="json")
    assert made.status_code == 201
    assert TicketDefinition.objects.get(pk=made.json()["id"]).company == company_b


def test_schema_documents_the_company_of_a_new_definition_as_input():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    for path, name in ((W, "WorkflowCreate"), (TK, "TicketCreate")):
        body = schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": f"#/components/schemas/{name}"}
        company = components[name]["properties"]["company"]
        assert company["type"] == "integer" and not company.get("readOnly")
        assert "company" not in components[name].get("required", [])
        assert schema["paths"][path]["post"]["responses"]["201"]["content"]["application/json"]["schema"] == {
            "$ref": f"#/components/schemas/{name.removesuffix('Create')}"
        }
    # Every other body keeps `company` read-only.
    for name in ("Workflow", "Ticket", "PatchedWorkflow", "PatchedTicket"):
        assert components[name]["properties"]["company"]["readOnly"] is True


def test_workflow_used_by_tickets_cannot_be_deleted(api, creator_a):
    workflow = WorkflowFactory(company=creator_a.company)
    TicketFactory(workflow=workflow, slug="uses-it")
    response = api.delete(f"{W}{workflow.pk}/")
    assert response.status_code == 400
    assert "uses-it" in response.json()["non_field_errors"][0]
    assert WorkflowDefinition.objects.filter(pk=workflow.pk).exists()


# Published immutability and lifecycle ---------------------------------------------------------------


def test_published_definitions_refuse_every_change_with_409(api, creator_a):
    workflow = simple_workflow(creator_a.company, tasks=2)
    ticket = TicketFactory(workflow=workflow, slug="published-ticket")
    published = api.post(f"{W}{workflow.pk}/publish/")
    assert published.status_code == 200
    assert published.json()["status"] == "published"
    task = workflow.tasks.first()
    transition = workflow.transitions.first()
    attempts = [
        api.patch(f"{W}{workflow.pk}/", {"title": "Changed"}, format="json"),
        api.delete(f"{W}{workflow.pk}/"),
        api.patch(f"{T}{task.pk}/", {"title": "Changed"}, format="json"),
        api.delete(f"{T}{task.pk}/"),
        api.post(f"{W}{workflow.pk}/tasks/", {"title": "New", "slug": "new"}, format="json"),
        api.post(T, {"workflow": workflow.pk, "title": "New", "slug": "new"}, format="json"),
        api.patch(f"{TR}{transition.pk}/", {"priority": 1}, format="json"),
        api.delete(f"{TR}{transition.pk}/"),
        api.post(f"{W}{workflow.pk}/publish/"),
    ]
    ticket.refresh_from_db()
    if ticket.status == DefinitionStatus.PUBLISHED:
        attempts.append(api.patch(f"{TK}{ticket.pk}/", {"title": "Changed"}, format="json"))
    for response in attempts:
        assert response.status_code in (409, 400), response.json()
    conflicts = [r for r in attempts if r.status_code == 409]
    # Everything but the task created through the flat route (whose workflow choice lists
    # only what the user may change) is a 409 conflict with a message saying why.
    assert len(conflicts) >= len(attempts) - 1
    for response in conflicts:
        messages = " ".join(m for ms in response.json().values() for m in ms)
        assert "read-only" in messages or "only a draft" in messages
    workflow.refresh_from_db()
    assert workflow.title != "Changed" and workflow.tasks.count() == 2 and workflow.transitions.count() == 3


def test_publish_refused_while_lint_errors(api, creator_a):
    workflow = WorkflowFactory(company=creator_a.company)
    TaskFactory(workflow=workflow, slug="orphan")
    response = api.post(f"{W}{workflow.pk}/publish/")
    assert response.status_code == 400
    assert response.json()["non_field_errors"]
    workflow.refresh_from_db()
    assert workflow.status == DefinitionStatus.DRAFT


def test_new_version_copies_a_published_workflow_as_a_draft(api, creator_a):
    workflow = simple_workflow(creator_a.company, tasks=2)
    _publish(workflow)
    response = api.post(f"{W}{workflow.pk}/new-version/")
    assert response.status_code == 201
    data = response.json()
    assert (data["slug"], data["version"], data["status"]) == (workflow.slug, 2, "draft")
    assert data["created_by"] == creator_a.pk
    assert api.get(f"{W}{data['id']}/tasks/").json()["count"] == 2
    again = api.post(f"{W}{workflow.pk}/new-version/")
    assert again.status_code == 409
    assert "already a draft" in again.json()["non_field_errors"][0]


def test_lint_returns_findings_with_the_object_at_fault(api, creator_a):
    workflow = WorkflowFactory(company=creator_a.company)
    orphan = TaskFactory(workflow=workflow, slug="orphan")
    response = api.get(f"{W}{workflow.pk}/lint/")
    assert response.status_code == 200
    report = response.json()
    assert report["workflow"] == workflow.pk
    assert report["ok"] is False and report["errors"] >= 1
    finding = next(f for f in report["findings"] if f["object_slug"] == "orphan")
    assert set(finding) == {"level", "code", "message", "object_type", "object_slug", "object_id"}
    assert finding["object_type"] == "task" and finding["object_id"] == orphan.pk
    clean = simple_workflow(creator_a.company)
    assert api.get(f"{W}{clean.pk}/lint/").json()["errors"] == 0


# Bundles -------------------------------------------------------------------------------------------


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
    workflow = simple_workflow(creator_a.company, tasks=1)
    document = api.get(f"{W}{workflow.pk}/bundle/").json()
    document["workflow"]["slug"] = "from-file"
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


def test_bundle_import_refused_for_non_creators(company_a):
    plain = UserFactory(company=company_a, email="plain@alpha.example")
    client = APIClient()
    client.force_authenticate(plain)
    response = client.post(f"{W}import-bundle/", {"format": "x"}, format="json")
    assert response.status_code == 403


# Constant queries ------------------------------------------------------------------------------------


def _grow(kind, workflow, n):
    for _ in range(n):
        if kind == "workflows":
            WorkflowFactory(company=workflow.company)
        elif kind == "tickets":
            TicketFactory(workflow=workflow)
        elif kind.endswith("tasks"):
            TaskFactory(workflow=workflow)
        else:
            TransitionFactory(workflow=workflow, from_task=TaskFactory(workflow=workflow))


LIST_URLS = {
    "workflows": lambda w: W,
    "tasks": lambda w: T,
    "transitions": lambda w: TR,
    "tickets": lambda w: TK,
    "nested-tasks": lambda w: f"{W}{w.pk}/tasks/",
    "nested-transitions": lambda w: f"{W}{w.pk}/transitions/",
}


@pytest.mark.parametrize("kind", list(LIST_URLS))
def test_list_queries_are_constant(api, creator_a, company_b, kind, django_assert_max_num_queries):
    workflow = WorkflowFactory(company=creator_a.company)
    _grow(kind, WorkflowFactory(company=company_b), 3)  # another company's rows change nothing
    url = LIST_URLS[kind](workflow)
    _grow(kind, workflow, 5)
    with CaptureQueriesContext(connection) as small:
        response = api.get(url)
    assert response.json()["count"] >= 5
    _grow(kind, workflow, 95)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = api.get(url)
    assert response.json()["count"] >= 100
    assert len(response.json()["results"]) == 100


# The isolation matrix, generated from the URL resolver -------------------------------------------------


def _api_routes():
    """Every (route name, kwarg names, view class) under /api/, found by walking the resolver."""
    found = []

    def walk(patterns, prefix):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern) and route.lstrip("^").startswith("api/"):
                kwargs = sorted(entry.pattern.regex.groupindex)
                view = getattr(entry.callback, "cls", None) or getattr(entry.callback, "view_class", None)
                actions = getattr(entry.callback, "actions", None)
                found.append((entry.name, route, kwargs, view, actions))

    walk(get_resolver().url_patterns, "")
    return found


SECRET = "Zebra"


@pytest.fixture
def other_company(company_b, creator_a):
    workflow = simple_workflow(company_b, tasks=2)
    WorkflowDefinition.objects.filter(pk=workflow.pk).update(title=f"{SECRET} workflow", slug="zebra-flow")
    TaskDefinition.objects.filter(workflow=workflow).update(title=f"{SECRET} task")
    ticket = TicketFactory(workflow=workflow, title=f"{SECRET} ticket", slug="zebra-ticket")
    simple_workflow(creator_a.company, tasks=1)
    return {
        WorkflowDefinition: workflow,
        TaskDefinition: workflow.tasks.first(),
        WorkflowTransition: workflow.transitions.first(),
        TicketDefinition: ticket,
    }


def _snapshot(company):
    """The other company's rows and when each last changed."""
    return {
        "workflows": sorted(WorkflowDefinition.objects.filter(company=company).values_list("pk", "updated_at")),
        "tasks": sorted(TaskDefinition.objects.filter(company=company).values_list("pk", "updated_at")),
        "transitions": sorted(
            WorkflowTransition.objects.filter(workflow__company=company).values_list("pk", "updated_at")
        ),
        "tickets": sorted(TicketDefinition.objects.filter(company=company).values_list("pk", "updated_at")),
    }


def test_isolation_matrix_covers_every_api_route(api, creator_a, other_company):
    routes = _api_routes()
    assert len(routes) >= 20
    company_b = other_company[WorkflowDefinition].company
    before = _snapshot(company_b)
    hostile_body = {
        "workflow": other_company[WorkflowDefinition].pk,
        "from_task": other_company[TaskDefinition].pk,
        "to_task": other_company[TaskDefinition].pk,
        "title": "Hijack",
        "slug": "hijack",
    }
    with_ids = 0
    for name, route, kwargs, view, actions in routes:
        values = {}
        for kwarg in kwargs:
            if kwarg == "format":
                values[kwarg] = "json"
            elif kwarg == "workflow_pk":
                values[kwarg] = other_company[WorkflowDefinition].pk
            elif kwarg == "pk":
                values[kwarg] = other_company[view.serializer_class.Meta.model].pk
            else:
                pytest.fail(f"The isolation matrix cannot fill <{kwarg}> of {route}: teach it here.")
        url = reverse(name, kwargs=values)
        for method in ("get", "post", "put", "patch", "delete"):
            response = getattr(api, method)(url, hostile_body, format="json")
            body = response.content.decode()
            assert SECRET not in body, (method, url)
            assert "zebra-" not in body, (method, url)
            assert response.status_code < 500, (method, url)
            if values.get("pk") or values.get("workflow_pk"):
                # Another company's id: a plain 404 (or 405 for a method the route lacks).
                assert response.status_code in (404, 405), (method, url, response.status_code)
                if method == "get" and (actions is None or "get" in actions):
                    assert response.status_code == 404, url
        with_ids += bool(kwargs)
        # Filtering a list by the other company's workflow finds nothing.
        if name.endswith("-list") and "pk" not in kwargs and "workflow_pk" not in kwargs:
            filtered = api.get(url, {"workflow": other_company[WorkflowDefinition].pk})
            if filtered.status_code == 200 and "count" in filtered.json():
                assert name == "workflow-list" or filtered.json()["count"] == 0, url
    assert with_ids >= 10
    assert _snapshot(company_b) == before
    # Whatever the hostile posts created belongs to the caller's company and points at nothing of B.
    assert not TaskDefinition.objects.filter(workflow__company=company_b).exclude(company=company_b).exists()
    assert (
        not WorkflowTransition.objects.filter(workflow__company=company_b)
        .exclude(pk__in=[pk for pk, _ in before["transitions"]])
        .exists()
    )
    assert not TicketDefinition.objects.filter(workflow__company=company_b).exclude(company=company_b).exists()
    assert not WorkflowDefinition.objects.filter(slug="hijack").exclude(company=creator_a.company).exists()


# No lost updates ------------------------------------------------------------------------------------


def test_stale_workflow_revision_is_refused_with_409(api, creator_a):
    workflow = simple_workflow(creator_a.company, tasks=1)
    seen = api.get(f"{W}{workflow.pk}/").json()["revision"]
    first = api.patch(f"{W}{workflow.pk}/", {"title": "First", "expected_revision": seen}, format="json")
    assert first.status_code == 200
    second = api.patch(f"{W}{workflow.pk}/", {"title": "Second", "expected_revision": seen}, format="json")
    assert second.status_code == 409
    assert "Someone else changed" in second.json()["non_field_errors"][0]
    task = workflow.tasks.first()
    stale_task = api.patch(f"{T}{task.pk}/", {"title": "Late"}, format="json", HTTP_IF_MATCH=f'"{seen}"')
    assert stale_task.status_code == 409
    stale_delete = api.delete(f"{T}{task.pk}/", HTTP_IF_MATCH=str(seen))
    assert stale_delete.status_code == 409
    workflow.refresh_from_db()
    task.refresh_from_db()
    assert workflow.title == "First" and task.title != "Late"
    current = api.get(f"{W}{workflow.pk}/").json()["revision"]
    fresh = api.patch(f"{T}{task.pk}/", {"title": "Fresh", "expected_revision": current}, format="json")
    assert fresh.status_code == 200
    assert api.patch(f"{W}{workflow.pk}/", {"title": "X"}, HTTP_IF_MATCH="abc").status_code == 400


def test_stale_ticket_definition_is_refused_with_409(api, creator_a):
    ticket = TicketFactory(workflow=WorkflowFactory(company=creator_a.company))
    seen = api.get(f"{TK}{ticket.pk}/").json()["updated_at"]
    assert (
        api.patch(f"{TK}{ticket.pk}/", {"title": "One", "expected_updated_at": seen}, format="json").status_code == 200
    )
    late = api.patch(f"{TK}{ticket.pk}/", {"title": "Two", "expected_updated_at": seen}, format="json")
    assert late.status_code == 409
    ticket.refresh_from_db()
    assert ticket.title == "One"


def test_browsable_list_page_offers_superusers_the_company_of_a_new_definition(superuser, creator_a, company_b):
    client = APIClient()
    client.force_authenticate(superuser)
    page = client.get(W, HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert f'<option value="{company_b.pk}"' in page.content.decode()
    client.force_authenticate(creator_a)
    page = client.get(W, HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert f'<option value="{company_b.pk}"' not in page.content.decode()
