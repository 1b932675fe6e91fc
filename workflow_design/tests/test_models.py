"""Model rules and database constraints: each rule accepted once and rejected once, with its message."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ticketflower.testing.factories import (
    CompanyFactory,
    CompanyRoleFactory,
    TaskFactory,
    TicketFactory,
    TransitionFactory,
    WorkflowFactory,
)
from workflow_design.models import (
    TaskDefinition,
    TicketDefinition,
    WorkflowDefinition,
    WorkflowTransition,
)

pytestmark = pytest.mark.django_db


def messages_of(excinfo, field):
    return " ".join(excinfo.value.message_dict.get(field, []))


def test_workflow_slug_version_unique_per_company():
    workflow = WorkflowFactory(slug="onboarding")
    WorkflowFactory(slug="onboarding")  # another company: accepted
    WorkflowDefinition.objects.filter(pk=workflow.pk).update(status="published")
    duplicate = WorkflowDefinition(company=workflow.company, title="x", slug="onboarding", version=1, status="archived")
    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    assert "already has this version of a workflow with this slug" in str(excinfo.value)
    WorkflowDefinition(company=workflow.company, title="x", slug="onboarding", version=2).full_clean()  # next version


def test_workflow_one_draft_per_slug_checked_by_database():
    workflow = WorkflowFactory(slug="onboarding")
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkflowDefinition.objects.create(company=workflow.company, title="x", slug="onboarding", version=2)


def test_workflow_invalid_fields_named_in_message():
    workflow = WorkflowFactory.build(
        company=CompanyFactory(), fields=[{"name": "Bad Name", "label": "x", "type": "text"}]
    )
    with pytest.raises(ValidationError) as excinfo:
        workflow.full_clean()
    assert "Field 1 (Bad Name)" in messages_of(excinfo, "fields")


def test_workflow_layout_unknown_field_named():
    workflow = WorkflowFactory.build(
        company=CompanyFactory(),
        fields=[{"name": "sla_days", "label": "SLA", "type": "integer"}],
        display_layout=[{"title": "Main", "fields": ["sla_days", "ghost"]}],
    )
    with pytest.raises(ValidationError) as excinfo:
        workflow.full_clean()
    assert "'ghost'" in messages_of(excinfo, "display_layout")


def test_task_slug_unique_per_workflow():
    task = TaskFactory(slug="review")
    TaskFactory(slug="review")  # other workflow: accepted
    duplicate = TaskDefinition(workflow=task.workflow, company=task.company, title="x", slug="review")
    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    assert "This workflow already has a task with this slug." in str(excinfo.value)


def test_task_company_must_equal_workflow_company():
    workflow = WorkflowFactory()
    other = CompanyFactory()
    task = TaskDefinition(workflow=workflow, company=other, title="x", slug="x")
    with pytest.raises(ValidationError) as excinfo:
        task.full_clean()
    assert "another company" in messages_of(excinfo, "workflow")
    TaskDefinition(workflow=workflow, company=workflow.company, title="x", slug="x").full_clean()


def test_task_assignee_role_must_be_of_same_company():
    workflow = WorkflowFactory()
    foreign_role = CompanyRoleFactory()
    task = TaskDefinition(workflow=workflow, company=workflow.company, title="x", slug="x", assignee_role=foreign_role)
    with pytest.raises(ValidationError) as excinfo:
        task.full_clean()
    assert "role of this workflow's company" in messages_of(excinfo, "assignee_role")
    task.assignee_role = CompanyRoleFactory(company=workflow.company)
    task.full_clean()


def test_task_invalid_output_schema_rejected():
    workflow = WorkflowFactory()
    task = TaskDefinition(
        workflow=workflow,
        company=workflow.company,
        title="x",
        slug="x",
        output_schema=[{"name": "decision", "label": "Decision", "type": "choice", "choices": []}],
    )
    with pytest.raises(ValidationError) as excinfo:
        task.full_clean()
    assert "needs at least one choice" in messages_of(excinfo, "output_schema")


def test_transition_tasks_must_be_in_its_workflow():
    task = TaskFactory()
    foreign_task = TaskFactory(workflow=WorkflowFactory(company=task.company))
    transition = WorkflowTransition(workflow=task.workflow, slug="t", from_task=task, to_task=foreign_task)
    with pytest.raises(ValidationError) as excinfo:
        transition.full_clean()
    assert f"The task {foreign_task.slug} is not part of this workflow." in messages_of(excinfo, "to_task")
    transition.to_task = None
    transition.full_clean()


def test_transition_start_to_end_rejected_by_model_and_database():
    workflow = WorkflowFactory()
    transition = WorkflowTransition(workflow=workflow, slug="nothing")
    with pytest.raises(ValidationError) as excinfo:
        transition.full_clean()
    assert "needs a from task or a to task" in messages_of(excinfo, "to_task")
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkflowTransition.objects.create(workflow=workflow, company=workflow.company, slug="nothing")


def test_transition_company_is_its_workflows():
    task = TaskFactory()
    transition = WorkflowTransition(workflow=task.workflow, slug="go", to_task=task)
    transition.full_clean()
    assert transition.company_id == task.workflow.company_id


def test_transition_company_other_than_its_workflows_rejected():
    task = TaskFactory()
    other = CompanyFactory()
    transition = WorkflowTransition(workflow=task.workflow, company=other, slug="go", to_task=task)
    with pytest.raises(ValidationError) as excinfo:
        transition.full_clean()
    assert "The workflow belongs to another company than the transition." in messages_of(excinfo, "workflow")


def test_transition_slug_unique_per_workflow():
    task = TaskFactory()
    transition = TransitionFactory(workflow=task.workflow, to_task=task, slug="go")
    TransitionFactory(to_task=TaskFactory(), slug="go")  # another workflow: accepted
    duplicate = WorkflowTransition(workflow=transition.workflow, slug="go", to_task=transition.to_task)
    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    assert "already has a transition with this slug" in str(excinfo.value)


def test_ticket_workflow_must_be_of_same_company():
    workflow = WorkflowFactory()
    ticket = TicketDefinition(company=CompanyFactory(), workflow=workflow, title="x", slug="x")
    with pytest.raises(ValidationError) as excinfo:
        ticket.full_clean()
    assert "workflow of this ticket definition's company" in messages_of(excinfo, "workflow")


def test_ticket_role_access_only_company_roles():
    ticket = TicketFactory()
    CompanyRoleFactory(company=ticket.company, slug="employee")
    CompanyRoleFactory(slug="intruder")
    ticket.company_role_access = ["employee", "intruder"]
    with pytest.raises(ValidationError) as excinfo:
        ticket.full_clean()
    assert "Unknown company role(s): intruder" in messages_of(excinfo, "company_role_access")
    ticket.company_role_access = ["employee"]
    ticket.full_clean()


def test_ticket_edit_layout_unknown_field_rejected():
    ticket = TicketFactory()
    ticket.fields = [{"name": "system", "label": "System", "type": "text"}]
    ticket.edit_layout = [{"title": "Main", "fields": ["system", "sytem"]}]
    with pytest.raises(ValidationError) as excinfo:
        ticket.full_clean()
    assert "'sytem'" in messages_of(excinfo, "edit_layout")


def test_definition_natural_keys():
    task = TaskFactory(slug="review", workflow=WorkflowFactory(slug="onboard", company=CompanyFactory(slug="acme")))
    transition = TransitionFactory(workflow=task.workflow, to_task=task)
    ticket = TicketFactory(workflow=task.workflow, slug="hire")
    assert task.natural_key() == ("acme", "onboard", 1, "review")
    assert TaskDefinition.objects.get_by_natural_key(*task.natural_key()) == task
    assert WorkflowDefinition.objects.get_by_natural_key("acme", "onboard", 1) == task.workflow
    assert WorkflowTransition.objects.get_by_natural_key(*transition.natural_key()) == transition
    assert transition.slug == "start-to-review"
    assert TicketDefinition.objects.get_by_natural_key("acme", "hire", 1) == ticket


def test_status_check_constraint_in_database():
    workflow = WorkflowFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkflowDefinition.objects.filter(pk=workflow.pk).update(status="bogus")
