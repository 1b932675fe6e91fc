"""Workflow definitions through the API: create, read, change, delete, list and filter."""

from __future__ import annotations

from rest_framework.test import APIClient

from ticketflower.testing.factories import WorkflowFactory, simple_workflow
from workflow_design.models import DefinitionStatus, WorkflowDefinition
from workflow_design.tests.api.samples import FIELDS, W, publish


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
    publish(published)
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
    shape = api.post(W, {"title": "X", "slug": "x", "fields": 5}, format="json")
    assert shape.status_code == 400
    assert shape.json() == {"fields": ["Expected a list."]}
    # An object is read as a JSON Schema: what it cannot say is refused at its JSON Pointer.
    schema = api.post(W, {"title": "X", "slug": "x", "fields": {"not": "a list"}}, format="json")
    assert schema.status_code == 400
    assert [message.split(":")[0] for message in schema.json()["fields"]] == ["/not"]
    assert not WorkflowDefinition.objects.exists()


def test_workflow_duplicate_draft_slug_is_a_400(api, creator_a):
    WorkflowFactory(company=creator_a.company, slug="dup")
    response = api.post(W, {"title": "Dup", "slug": "dup"}, format="json")
    assert response.status_code == 400
    assert "This workflow already has a draft version; edit that one." in response.json()["slug"]


def test_workflow_writes_refused_for_non_creators(plain_api, company_a):
    workflow = WorkflowFactory(company=company_a)
    response = plain_api.post(W, {"title": "X", "slug": "x"}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "Only workflow creators may create definitions."}
    assert plain_api.get(W).json() == {"detail": "You may not view workflow definitions."}
    assert plain_api.get(f"{W}{workflow.pk}/").json() == {"detail": "You may not view workflow definitions."}
    refused = plain_api.patch(f"{W}{workflow.pk}/", {"title": "Y"}, format="json")
    assert refused.status_code == 403
    assert refused.json() == {"detail": "You may view this definition but not change it."}
    workflow.refresh_from_db()
    assert workflow.title != "Y"


def test_workflow_anonymous_is_401(db):
    response = APIClient().get(W)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
