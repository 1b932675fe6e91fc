"""The dry run, the compare of two versions and the Mermaid drawing through the API: results,
refused input, the admin's permission (viewing the workflow) and company isolation."""

from __future__ import annotations

import pytest

from ticketflower.testing.factories import TaskFactory, TicketFactory, TransitionFactory, WorkflowFactory
from workflow_design.models import TaskDefinition
from workflow_design.services import workflow_new_version
from workflow_design.tests.api.samples import W, publish

APPROVED = {"name": "approved", "label": "Approved", "type": "boolean"}
AMOUNT = {"name": "amount", "label": "Amount", "type": "integer", "min": 0}


def approval_workflow(company, title="Purchase"):
    """start → review; review → order when `output.approved`, else the end; order → end."""
    workflow = WorkflowFactory(company=company, title=title)
    review = TaskFactory(workflow=workflow, slug="review", title="Review", output_schema=[APPROVED], position=1)
    order = TaskFactory(workflow=workflow, slug="order", title="Order", position=2)
    TicketFactory(workflow=workflow, fields=[AMOUNT])
    TransitionFactory(workflow=workflow, from_task=None, to_task=review)
    TransitionFactory(workflow=workflow, from_task=review, to_task=order, priority=1, condition="output.approved")
    TransitionFactory(workflow=workflow, from_task=review, to_task=None, priority=2)
    TransitionFactory(workflow=workflow, from_task=order, to_task=None)
    return workflow


# Dry run ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("approved", "path"), [(True, ["review", "order"]), (False, ["review"])])
def test_dry_run_gives_the_path_and_the_reasons(api, creator_a, approved, path):
    workflow = approval_workflow(creator_a.company)
    body = {"ticket": {"amount": 50}, "outputs": {"review": {"approved": approved}}}
    response = api.post(f"{W}{workflow.pk}/dry-run/", body, format="json")
    assert response.status_code == 200, response.json()
    result = response.json()
    assert (result["outcome"], result["path"]) == ("ended", path)
    review_step = result["steps"][1]
    assert review_step["task_slug"] == "review" and review_step["output"] == {"approved": approved}
    first_check = review_step["checks"][0]
    assert (first_check["condition"], first_check["result"]) == ("output.approved", approved)
    assert f"output.approved = {str(approved).lower()}" in first_check["reason"]


def test_dry_run_with_a_list_of_outputs_tries_each_visit(api, creator_a):
    workflow = approval_workflow(creator_a.company)
    outputs = {"review": [{"approved": False}, {"approved": True}]}
    response = api.post(f"{W}{workflow.pk}/dry-run/", {"outputs": outputs, "max_steps": 3}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["path"] == ["review"]


@pytest.mark.parametrize(
    ("body", "key", "words"),
    [
        ({"outputs": {"nope": {}}}, "outputs", "outputs.nope"),
        ({"outputs": {"review": {"approved": "yes"}}}, "outputs", "outputs.review.approved"),
        ({"outputs": {"review": [{"approved": 1}]}}, "outputs", "outputs.review[0].approved"),
        ({"ticket": {"amount": -5}}, "ticket", "ticket.amount"),
        ({"ticket": {"colour": "red"}}, "ticket", "ticket.colour"),
        ({"workflow": {"x": 1}}, "workflow", "workflow.x"),
        ({"ticket": []}, "ticket", ""),
        ({"max_steps": 100000}, "max_steps", ""),
        ({"max_steps": 0}, "max_steps", ""),
    ],
)
def test_dry_run_refuses_bad_sample_values_at_their_place(api, creator_a, body, key, words):
    workflow = approval_workflow(creator_a.company)
    response = api.post(f"{W}{workflow.pk}/dry-run/", body, format="json")
    assert response.status_code == 400
    assert key in response.json()
    assert any(words in message for message in response.json()[key]), response.json()


def test_dry_run_refuses_values_nested_too_deep(api, creator_a):
    workflow = approval_workflow(creator_a.company)
    deep: dict = {}
    for _ in range(60):
        deep = {"x": deep}
    response = api.post(f"{W}{workflow.pk}/dry-run/", {"ticket": {"amount": deep}}, format="json")
    assert response.status_code == 400


# Compare ------------------------------------------------------------------------------------------


def test_compare_lists_the_changes_from_the_lower_version(api, creator_a):
    first = approval_workflow(creator_a.company)
    publish(first)
    second = workflow_new_version(workflow=first, user=creator_a)
    TaskDefinition.objects.filter(workflow=second, slug="order").update(title="Place order")
    for url in (f"{W}{second.pk}/compare/{first.pk}/", f"{W}{first.pk}/compare/{second.pk}/"):
        response = api.get(url)
        assert response.status_code == 200, response.json()
        data = response.json()
        assert (data["old"]["version"], data["new"]["version"]) == (1, 2)
        titles = [c for c in data["changes"] if c["object_type"] == "task" and c["slug"] == "order"]
        assert [(c["kind"], c["old"], c["new"]) for c in titles] == [("changed", "Order", "Place order")]


# Mermaid -------------------------------------------------------------------------------------------


def test_mermaid_draws_tasks_transitions_start_and_end(api, creator_a):
    workflow = approval_workflow(creator_a.company)
    response = api.get(f"{W}{workflow.pk}/mermaid/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[0] == "flowchart TD"
    assert '    t1["Review"]' in lines and '    t2["Order"]' in lines
    assert '    start -->|"10"| t1' in lines
    assert '    t1 -->|"1: output.approved"| t2' in lines
    assert '    t1 -->|"2"| finish' in lines
    as_json = api.get(f"{W}{workflow.pk}/mermaid/", HTTP_ACCEPT="application/json")
    assert as_json.json() == response.content.decode()


def test_mermaid_title_cannot_break_the_drawing(api, creator_a):
    workflow = WorkflowFactory(company=creator_a.company)
    TaskFactory(workflow=workflow, slug="evil", title='Evil"] --> x["|pwned|\nclick t1 call alert()')
    text = api.get(f"{W}{workflow.pk}/mermaid/").content.decode()
    task_line = next(line for line in text.splitlines() if line.startswith("    t1["))
    assert task_line == '    t1["Evil#34;#93; --#62; x#91;#34;#124;pwned#124; click t1 call alert#40;#41;"]'
    assert len(text.splitlines()) == 4  # header, start, the task, end: the title added no line


# Permission and isolation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("post", "dry-run/"), ("get", "mermaid/"), ("get", "compare/{own}/")],
)
def test_reads_of_another_company_workflow_are_not_found(api, creator_a, company_b, method, suffix):
    own = approval_workflow(creator_a.company)
    theirs = approval_workflow(company_b, title="Theirs")
    response = getattr(api, method)(f"{W}{theirs.pk}/{suffix.format(own=own.pk)}", {}, format="json")
    assert response.status_code == 404
    assert "Theirs" not in response.content.decode()


def test_compare_with_another_company_workflow_is_not_found(api, creator_a, company_b):
    own = approval_workflow(creator_a.company)
    theirs = approval_workflow(company_b, title="Theirs")
    response = api.get(f"{W}{own.pk}/compare/{theirs.pk}/")
    assert response.status_code == 404
    assert "Theirs" not in response.content.decode()


@pytest.mark.parametrize(("method", "suffix"), [("post", "dry-run/"), ("get", "mermaid/"), ("get", "compare/{own}/")])
def test_reads_need_the_designer_role(plain_api, creator_a, method, suffix):
    own = approval_workflow(creator_a.company)
    response = getattr(plain_api, method)(f"{W}{own.pk}/{suffix.format(own=own.pk)}", {}, format="json")
    assert response.status_code == 403
