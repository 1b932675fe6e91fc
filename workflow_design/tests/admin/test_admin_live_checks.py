"""The workflow page's live check: an unsaved state linted and drawn, nothing saved, only the
user's own company's workflows, findings at their row and field."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ticketflower.testing.factories import CompanyRoleFactory, simple_workflow
from workflow_design.models import WorkflowDefinition, WorkflowTransition

pytestmark = pytest.mark.django_db

NEW_URL = reverse("admin:workflow_design_workflowdefinition_live_check_new")
APPROVED = [{"name": "approved", "label": "Approved", "type": "boolean", "required": True}]


def check_url(workflow) -> str:
    return reverse("admin:workflow_design_workflowdefinition_live_check", args=[workflow.pk])


def page_state(condition: str = "output.approved == true", *, review_slug: str = "review") -> dict:
    return {
        "workflow": {"title": "Onboarding", "slug": "onboarding", "fields": "[]", "display_layout": "[]"},
        "tasks": [
            {"row": "tasks-0", "id": None, "title": "Review", "slug": review_slug, "position": "10",
             "assignee_role": "", "output_schema": json.dumps(APPROVED)},
            {"row": "tasks-1", "id": None, "title": "Order", "slug": "order", "position": "20",
             "assignee_role": "", "output_schema": "[]"},
        ],
        "transitions": [
            {"row": "transitions-0", "from_task": "", "to_task": review_slug, "priority": "1", "condition": ""},
            {"row": "transitions-1", "from_task": review_slug, "to_task": "order", "priority": "10",
             "condition": condition},
            {"row": "transitions-2", "from_task": review_slug, "to_task": "", "priority": "20", "condition": ""},
            {"row": "transitions-3", "from_task": "order", "to_task": "", "priority": "1", "condition": ""},
        ],
    }  # fmt: skip


def post(client, url, state):
    return client.post(url, json.dumps(state), content_type="application/json")


def test_live_check_of_new_workflow_clean_state_has_no_findings_and_draws_it(client_a, company_a):
    response = post(client_a, NEW_URL, page_state())
    assert response.status_code == 200
    body = response.json()
    assert body["findings"] == []
    assert (
        body["diagram"].startswith("<svg")
        and "Review" in body["diagram"]
        and "10: output.approved == true" in body["diagram"]
    )
    assert not WorkflowDefinition.objects.exists()


def test_live_check_wrong_condition_found_at_its_row_and_field(client_a, company_a):
    body = post(client_a, NEW_URL, page_state("output.aproved == true")).json()
    errors = [f for f in body["findings"] if f["level"] == "error"]
    assert [(f["row"], f["field"], f["code"]) for f in errors] == [("transitions-1", "condition", "condition-error")]
    assert "aproved" in errors[0]["message"]
    assert body["errors"] == 1
    # The source task of the faulty transition is marked in the drawing.
    assert "⚠ Review" in body["diagram"]


def test_live_check_unknown_task_slug_found_at_its_field(client_a, company_a):
    state = page_state()
    state["transitions"][3]["from_task"] = "ordr"
    findings = post(client_a, NEW_URL, state).json()["findings"]
    located = {(f["row"], f["field"]) for f in findings}
    assert ("transitions-3", "from_task") in located
    assert any("ordr" in f["message"] and "order, review" in f["message"] for f in findings)
    # Without its end, "order" is a dead end: found at the task's row.
    assert ("tasks-1", None) in located


def test_live_check_deleted_rows_checked_as_gone(client_a, company_a):
    state = page_state()
    state["transitions"][0]["deleted"] = True
    codes = {f["code"] for f in post(client_a, NEW_URL, state).json()["findings"]}
    assert "no-start" in codes


def test_live_check_of_saved_workflow_writes_nothing(client_a, company_a):
    workflow = simple_workflow(company_a, tasks=2)
    tasks = list(workflow.tasks.order_by("position"))
    state = {
        "workflow": {"title": "Renamed", "slug": workflow.slug, "fields": "[", "display_layout": "[]"},
        "tasks": [
            {"row": f"tasks-{i}", "id": t.pk, "title": t.title, "slug": t.slug, "position": t.position,
             "assignee_role": "", "output_schema": "[]"}
            for i, t in enumerate(tasks)
        ],
        "transitions": [{"row": "transitions-0", "from_task": "", "to_task": "step-1", "priority": "1"}],
    }  # fmt: skip
    revision, transitions = workflow.revision, WorkflowTransition.objects.count()
    with CaptureQueriesContext(connection) as queries:
        body = post(client_a, check_url(workflow), state).json()
    writes = [q["sql"] for q in queries if q["sql"].lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []
    workflow.refresh_from_db()
    assert (
        workflow.title != "Renamed"
        and workflow.revision == revision
        and WorkflowTransition.objects.count() == transitions
    )
    located = {(f["row"], f["field"], f["code"]) for f in body["findings"]}
    assert (None, "fields", "unreadable-value") in located
    assert ("tasks-0", None, "dead-end-task") in located


def test_live_check_another_companys_workflow_not_found(client_a, company_b):
    workflow = simple_workflow(company_b, tasks=1)
    response = post(client_a, check_url(workflow), page_state())
    assert response.status_code == 404


def test_live_check_another_companys_role_is_refused_at_its_field(client_a, company_a, company_b):
    foreign = CompanyRoleFactory(company=company_b, slug="spy", name="Spy")
    state = page_state()
    state["tasks"][0]["assignee_role"] = str(foreign.pk)
    body = post(client_a, NEW_URL, state).json()
    assert ("tasks-0", "assignee_role") in {(f["row"], f["field"]) for f in body["findings"]}
    assert "Spy" not in body["diagram"]


def test_live_check_refuses_a_state_over_its_limit(client_a, company_a, settings):
    settings.TICKETFLOWER_LIVE_CHECK_MAX_ROWS = 3
    response = post(client_a, NEW_URL, page_state())
    assert response.status_code == 400
    assert "More than 3 rows" in response.json()["refused"]


def test_live_check_answers_only_post(client_a, company_a):
    assert client_a.get(NEW_URL).status_code == 405
