"""The company of a new definition: a superuser names it, anyone else gets their own."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from ticketflower.testing.factories import TicketFactory, UserFactory, WorkflowFactory
from workflow_design.models import TicketDefinition, WorkflowDefinition
from workflow_design.tests.api.samples import TK, W


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


def test_workflow_used_by_tickets_cannot_be_deleted(api, workflow):
    TicketFactory(workflow=workflow, slug="uses-it")
    response = api.delete(f"{W}{workflow.pk}/")
    assert response.status_code == 400
    assert "uses-it" in response.json()["non_field_errors"][0]
    assert WorkflowDefinition.objects.filter(pk=workflow.pk).exists()
