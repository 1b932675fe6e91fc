"""Clients of the original API keep working: no slug, JSON Schema objects for field lists, `""` and
`null` for layouts, server-kept values in the body, and routes looked up by DRF's default names."""

from __future__ import annotations

import pytest
from django.urls import reverse

from workflow_design.models import TaskDefinition, TicketDefinition, WorkflowDefinition, WorkflowTransition
from workflow_design.tests.api.samples import TK, TR, T, W, created

PURCHASE_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "title": "Purchase",
    "properties": {
        "amount": {"type": "number", "title": "Amount", "minimum": 0},
        "reason": {"type": "string", "title": "Reason", "maxLength": 500, "x-field-type": "long_text"},
        "kind": {"type": "string", "enum": ["hardware", "software"]},
    },
    "required": ["amount"],
}
PURCHASE_FIELDS = [
    {"name": "amount", "label": "Amount", "type": "number", "required": True, "min": 0},
    {"name": "reason", "label": "Reason", "type": "long_text", "max_length": 500},
    {
        "name": "kind",
        "type": "choice",
        "choices": [{"value": "hardware", "label": "hardware"}, {"value": "software", "label": "software"}],
    },
]


def _old_client_workflow(api, creator_a, company_b, **extra):
    """A workflow as the original clients post it: no slug, a JSON Schema, an empty-string layout,
    and the company, creator and version the server keeps for itself."""
    body = {
        "title": "Purchase request",
        "fields": PURCHASE_SCHEMA,
        "display_layout": "",
        "ext_ref": None,
        "company": company_b.pk,
        "created_by": 987654,
        "version": 7,
        **extra,
    }
    return created(api, creator_a, W, body, WorkflowDefinition)


def test_original_client_workflow_create_and_get(api, creator_a, company_b):
    workflow, data = _old_client_workflow(api, creator_a, company_b)
    assert (workflow.slug, workflow.version) == ("purchase-request", 1)
    assert workflow.fields == PURCHASE_FIELDS
    assert workflow.display_layout == [] and workflow.ext_ref == []
    read = api.get(f"{W}{workflow.pk}/").json()
    assert read["slug"] == data["slug"] == "purchase-request"
    assert read["fields"] == PURCHASE_FIELDS and read["display_layout"] == []
    # The schema read back is the one sent, apart from its title (the workflow's).
    sent = {key: value for key, value in PURCHASE_SCHEMA.items() if key != "title"}
    returned = {key: value for key, value in read["fields_json_schema"].items() if key not in ("title",)}
    assert returned == {**sent, "additionalProperties": False}


def test_original_client_slugs_are_unique_in_their_scope(api, creator_a, company_b):
    first, _data = _old_client_workflow(api, creator_a, company_b)
    second, data = _old_client_workflow(api, creator_a, company_b)
    assert (first.slug, second.slug, data["slug"]) == ("purchase-request", "purchase-request-2", "purchase-request-2")
    tasks = [
        api.post(f"{W}{first.pk}/tasks/", {"title": "Review", "input_schema": {}}, format="json").json()["slug"]
        for _ in range(2)
    ]
    assert tasks == ["review", "review-2"]
    # Task slugs are unique per workflow: the other workflow starts again.
    assert api.post(f"{W}{second.pk}/tasks/", {"title": "Review"}, format="json").json()["slug"] == "review"


def test_original_client_task_create_and_get(api, creator_a, workflow):
    body = {
        "workflow": workflow.pk,
        "title": "Manager approval",
        "input_schema": {},
        "output_schema": {"type": "object", "properties": {"approved": {"type": "boolean", "title": "Approved"}}},
        "company": 987654,
        "created_by": 987654,
        "version": 3,
    }
    task, data = created(api, creator_a, T, body, TaskDefinition)
    assert (task.slug, task.input_schema, task.version) == ("manager-approval", [], 1)
    assert task.output_schema == [{"name": "approved", "label": "Approved", "type": "boolean"}]
    read = api.get(f"{T}{task.pk}/").json()
    assert (read["slug"], read["input_schema"], read["output_schema"]) == (
        data["slug"],
        [],
        task.output_schema,
    )
    assert read["output_json_schema"]["properties"] == {"approved": {"type": "boolean", "title": "Approved"}}


def test_original_client_transition_create_and_get(api, workflow):
    review = api.post(T, {"workflow": workflow.pk, "title": "Review"}, format="json").json()
    body = {"workflow": workflow.pk, "from_task": None, "to_task": review["id"], "company": 987654}
    response = api.post(TR, body, format="json")
    assert response.status_code == 201, response.json()
    transition = WorkflowTransition.objects.get(pk=response.json()["id"])
    assert transition.slug == response.json()["slug"] and transition.slug
    read = api.get(f"{TR}{transition.pk}/").json()
    assert (read["from_task"], read["to_task"], read["to_task_slug"]) == (None, review["id"], "review")


@pytest.mark.parametrize("layout", ["", None, []])
def test_original_client_ticket_create_and_get(api, creator_a, company_b, workflow, layout):
    body = {
        "workflow": workflow.pk,
        "title": "Laptop request",
        "fields": {},
        "edit_layout": layout,
        "display_layout": layout,
        "company_role_access": None,
        "company": company_b.pk,
        "created_by": 987654,
        "version": 4,
    }
    ticket, data = created(api, creator_a, TK, body, TicketDefinition)
    assert (ticket.slug, ticket.fields, ticket.edit_layout, ticket.display_layout) == ("laptop-request", [], [], [])
    assert ticket.version == 1
    read = api.get(f"{TK}{ticket.pk}/").json()
    assert (read["slug"], read["fields"], read["edit_layout"]) == (data["slug"], [], [])
    assert read["json_schema"]["properties"] == {}


def test_original_client_json_schema_read_back_gives_the_same_form(api, creator_a, workflow):
    fields = [
        {"name": "kind", "label": "Kind", "type": "choice", "choices": [{"value": "hw", "label": "Hardware"}]},
        {"name": "note", "label": "Note", "type": "long_text", "required": True},
        {"name": "due", "type": "date"},
    ]
    first = api.post(T, {"workflow": workflow.pk, "title": "One", "input_schema": fields}, format="json").json()
    again = {"workflow": workflow.pk, "title": "Two", "input_schema": first["input_json_schema"]}
    second = api.post(T, again, format="json")
    assert second.status_code == 201, second.json()
    assert second.json()["input_schema"] == first["input_schema"] == fields


def test_original_client_unsupported_keyword_is_refused_naming_its_path(api, workflow):
    schema = {
        "type": "object",
        "properties": {"code": {"type": "string", "pattern": "^[A-Z]+$"}, "n": {"type": "null"}},
    }
    response = api.post(W, {"title": "Codes", "fields": schema}, format="json")
    assert response.status_code == 400
    messages = response.json()["fields"]
    assert any(message.startswith("/properties/code/pattern:") for message in messages), messages
    assert any(message.startswith("/properties/n/type:") for message in messages), messages
    assert not WorkflowDefinition.objects.filter(title="Codes").exists()


def test_original_client_json_schema_is_checked_as_a_field_list(api, workflow):
    schema = {"type": "object", "properties": {"Bad Name": {"type": "string"}}}
    response = api.post(T, {"workflow": workflow.pk, "title": "Bad", "input_schema": schema}, format="json")
    assert response.status_code == 400
    assert "input_schema" in response.json()
    assert not TaskDefinition.objects.filter(title="Bad").exists()


@pytest.mark.parametrize(
    ("name", "kwargs", "path"),
    [
        ("workflowdefinition-list", {}, W),
        ("workflowdefinition-detail", {"pk": 5}, f"{W}5/"),
        ("workflowdefinition-publish", {"pk": 5}, f"{W}5/publish/"),
        ("taskdefinition-list", {}, T),
        ("taskdefinition-detail", {"pk": 5}, f"{T}5/"),
        ("workflowtransition-list", {}, TR),
        ("ticketdefinition-detail", {"pk": 5}, f"{TK}5/"),
        ("workflow-list", {}, W),
    ],
)
def test_original_route_names_reverse_to_the_same_addresses(name, kwargs, path):
    assert reverse(name, kwargs=kwargs) == path


def test_original_route_names_serve_the_same_rows(api, workflow):
    listed = api.get(reverse("workflowdefinition-list")).json()["results"]
    assert [row["id"] for row in listed] == [workflow.pk]
    assert api.get(reverse("workflowdefinition-detail", kwargs={"pk": workflow.pk})).json()["slug"] == workflow.slug


def test_original_route_names_are_not_listed_twice_in_the_schema(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation_ids = [op["operationId"] for item in schema["paths"].values() for op in item.values()]
    assert len(operation_ids) == len(set(operation_ids))
    assert "/api/workflow/workflows/{id}/mermaid/" in schema["paths"]
    assert not any("workflowdefinition" in operation_id for operation_id in operation_ids)


def test_original_client_superuser_names_the_company(root_api, superuser, company_b):
    body = {"title": "Onboarding", "fields": {}, "display_layout": None, "company": company_b.pk}
    response = root_api.post(W, body, format="json")
    assert response.status_code == 201, response.json()
    workflow = WorkflowDefinition.objects.get(pk=response.json()["id"])
    assert (workflow.company, workflow.created_by, workflow.slug) == (company_b, superuser, "onboarding")
    ticket = {"workflow": workflow.pk, "title": "Badge", "fields": {}, "edit_layout": "", "company": company_b.pk}
    made = root_api.post(TK, ticket, format="json")
    assert made.status_code == 201, made.json()
    assert TicketDefinition.objects.get(pk=made.json()["id"]).company == company_b
