"""Deleting from the admin: the confirmation page lists what goes with the object, and the
bulk "Delete selected" action goes through the same services as the delete page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ticketflower.testing.factories import TicketFactory, simple_workflow
from workflow_design.models import AuditAction, AuditEntry, DefinitionStatus, TaskDefinition, WorkflowDefinition

pytestmark = pytest.mark.django_db


def test_workflow_delete_page_lists_its_tasks_and_transitions(client, company_a, creator_a):
    # Given a draft workflow start → step 1 → step 2 → end
    workflow = simple_workflow(company_a, tasks=2)
    client.force_login(creator_a)

    # When its delete page is opened
    page = client.get(reverse("admin:workflow_design_workflowdefinition_delete", args=[workflow.pk]))

    # Then every task and transition that goes with it is listed and counted, with no refusal
    body = page.content.decode()
    assert page.status_code == 200
    assert "Step 1" in body and "Step 2" in body
    assert "start → Step 1" in body and "Step 1 → Step 2" in body and "Step 2 → end" in body
    assert dict(page.context["model_count"]) == {
        "workflow definitions": 1,
        "task definitions": 2,
        "workflow transitions": 3,
    }
    assert not page.context["perms_lacking"] and not page.context["protected"]


def test_workflow_delete_page_names_ticket_types_that_protect_it(client, company_a, creator_a):
    workflow = simple_workflow(company_a, tasks=1)
    TicketFactory(workflow=workflow, title="Laptop request", slug="laptop-request")
    client.force_login(creator_a)

    page = client.get(reverse("admin:workflow_design_workflowdefinition_delete", args=[workflow.pk]))
    client.post(reverse("admin:workflow_design_workflowdefinition_delete", args=[workflow.pk]), {"post": "yes"})

    assert "Laptop request" in "".join(page.context["protected"])
    assert WorkflowDefinition.objects.filter(pk=workflow.pk).exists()


def test_task_delete_page_lists_transitions_from_and_to_it(client, company_a, creator_a):
    workflow = simple_workflow(company_a, tasks=3)
    middle = workflow.tasks.get(slug="step-2")
    client.force_login(creator_a)

    page = client.get(reverse("admin:workflow_design_taskdefinition_delete", args=[middle.pk]))

    assert dict(page.context["model_count"]) == {"task definitions": 1, "workflow transitions": 2}
    body = page.content.decode()
    assert "Step 1 → Step 2" in body and "Step 2 → Step 3" in body and "start → Step 1" not in body


def test_delete_selected_workflows_goes_through_the_service(client, company_a, creator_a):
    # Given two draft workflows
    first, second = simple_workflow(company_a, tasks=1), simple_workflow(company_a, tasks=2)
    client.force_login(creator_a)
    url = reverse("admin:workflow_design_workflowdefinition_changelist")

    # When both are deleted with the bulk action, confirmed
    client.post(url, {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"})

    # Then both are gone with their tasks, and the audit trail records each deletion
    assert not WorkflowDefinition.objects.filter(pk__in=[first.pk, second.pk]).exists()
    assert not TaskDefinition.objects.filter(workflow_id__in=[first.pk, second.pk]).exists()
    deleted = AuditEntry.objects.filter(action=AuditAction.DELETED, object_id__in=[first.pk, second.pk])
    assert sorted(deleted.values_list("object_id", flat=True)) == sorted([first.pk, second.pk])
    assert set(deleted.values_list("actor_id", flat=True)) == {creator_a.pk}


def test_delete_selected_refuses_a_published_workflow_and_deletes_nothing(client, company_a, creator_a):
    draft = simple_workflow(company_a, tasks=1)
    published = simple_workflow(company_a, tasks=1)
    WorkflowDefinition.objects.filter(pk=published.pk).update(status=DefinitionStatus.PUBLISHED)
    client.force_login(creator_a)
    url = reverse("admin:workflow_design_workflowdefinition_changelist")

    page = client.post(url, {"action": "delete_selected", "_selected_action": [draft.pk, published.pk]})
    confirmed = client.post(
        url, {"action": "delete_selected", "_selected_action": [draft.pk, published.pk], "post": "yes"}
    )

    assert page.context["perms_lacking"]
    assert confirmed.status_code == 403
    assert WorkflowDefinition.objects.filter(pk__in=[draft.pk, published.pk]).count() == 2


def test_delete_selected_tasks_takes_their_transitions_and_moves_the_revision(client, company_a, creator_a):
    # Given two tasks of a workflow selected for deletion
    workflow = simple_workflow(company_a, tasks=3)
    tasks = list(workflow.tasks.filter(slug__in=["step-2", "step-3"]))
    client.force_login(creator_a)

    # When the deletion is confirmed
    client.post(
        reverse("admin:workflow_design_taskdefinition_changelist"),
        {"action": "delete_selected", "_selected_action": [task.pk for task in tasks], "post": "yes"},
    )

    # Then the tasks and every transition from or to them are gone, each task's deletion is
    # audited and the workflow's revision moved on
    assert list(workflow.tasks.values_list("slug", flat=True)) == ["step-1"]
    assert sorted(str(t) for t in workflow.transitions.select_related("from_task", "to_task")) == ["start → Step 1"]
    deleted = AuditEntry.objects.filter(action=AuditAction.DELETED, object_id__in=[task.pk for task in tasks])
    assert deleted.count() == 2
    assert WorkflowDefinition.objects.get(pk=workflow.pk).revision > workflow.revision
