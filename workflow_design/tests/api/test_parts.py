"""Tasks and transitions through the API, flat and under their workflow."""

from __future__ import annotations

from ticketflower.testing.factories import CompanyRoleFactory, TaskFactory, WorkflowFactory, simple_workflow
from workflow_design.models import TaskDefinition, WorkflowTransition
from workflow_design.tests.api.samples import FIELDS, TR, T, W, created

# Tasks ---------------------------------------------------------------------------------------


def test_task_create_returns_json_schemas(api, workflow, creator_a):
    role = CompanyRoleFactory(company=creator_a.company, slug="it", name="IT")
    ok = {"name": "ok", "label": "Approved", "type": "boolean", "required": True}
    body = {"workflow": workflow.pk, "title": "Approve", "slug": "approve", "assignee_role": role.pk, "company": 999}
    _task, data = created(api, creator_a, T, {**body, "input_schema": FIELDS, "output_schema": [ok]}, TaskDefinition)
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


def test_task_role_of_another_company_is_refused(api, workflow, company_b):
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


def test_transition_create_default_slug_and_cel_errors(api, workflow):
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


def test_transition_needs_a_task(api, workflow):
    response = api.post(TR, {"workflow": workflow.pk}, format="json")
    assert response.status_code == 400
    assert "to_task" in response.json()


def test_transition_with_a_task_of_another_company_is_refused(api, workflow, company_b):
    task_b = TaskFactory(workflow=WorkflowFactory(company=company_b))
    response = api.post(TR, {"workflow": workflow.pk, "to_task": task_b.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["to_task"] == [f'Invalid pk "{task_b.pk}" - object does not exist.']


def test_nested_list_tells_an_empty_workflow_from_a_hidden_one(api, creator_a, company_b):
    # given an empty workflow of ours, one of another company and an id that names nothing
    empty = WorkflowFactory(company=creator_a.company)
    theirs = simple_workflow(company_b, tasks=2)
    missing = theirs.pk + 1000
    for part in ("tasks", "transitions"):
        # then ours answers an empty page, the others are not found, as a detail would be
        answer = api.get(f"{W}{empty.pk}/{part}/")
        assert answer.status_code == 200 and answer.json()["count"] == 0 and answer.json()["results"] == []
        assert api.get(f"{W}{theirs.pk}/{part}/").status_code == 404
        assert api.get(f"{W}{missing}/{part}/").status_code == 404
